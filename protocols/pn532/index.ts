/** PN532 HSU frame codec and command builders/parsers (pure: bytes in, values out). */
export * from './frame.js';
export * from './commands.js';
