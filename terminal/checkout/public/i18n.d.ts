// Types for the page's plain-JS word tables (i18n.js, served as is to the browser). The Chinese slip
// (terminal/receipt.ts) prints the same words, read from here: one source for page and slip.
export type Language = 'en' | 'zh-CN';
export declare const messages: Readonly<Record<Language, Readonly<Record<string, string>>>>;
export declare function translator(language: string): (key: string, fallback?: string) => string;
