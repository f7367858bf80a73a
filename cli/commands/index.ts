import type { CommandEntry } from '../io.js';

/**
 * Every `pos` subcommand, loaded only when run so that one command's dependencies
 * (serialport, sqlite, node-hid) never slow down or break another.
 */
export const commands: CommandEntry[] = [
];
