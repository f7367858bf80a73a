/**
 * The Scanner seam (CONTRACTS.md): an EventEmitter with `scan` { text, symbology? }, `error`, and
 * `gone`/`open` for the device. Shared by the serial, HID keyboard-wedge and HID-POS drivers.
 *
 * A code that never gets its terminator (Enter, CR/LF, or the last HID-POS report) is flushed
 * after an idle gap (`idleMs`, default 100 ms: scanners send a whole code in one burst). By default
 * it is an error (ScanIncompleteError: the scanner's suffix is probably misconfigured, and a cut
 * payment code must not be charged); `unterminated: 'deliver'` delivers it as a scan instead, for
 * scanners configured without a suffix. Error messages never carry the scanned text.
 */
import { EventEmitter } from 'node:events';
import { DecodeError } from '../../protocols/errors.js';
import { stripAim, type ScanText } from '../../protocols/scanner/aim.js';

export type Scan = ScanText;

export interface ScannerEvents {
  scan: [Scan];
  error: [Error];
  open: [];
  gone: [Error];
}

export interface Scanner extends EventEmitter<ScannerEvents> {
  readonly description: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface UnterminatedOptions {
  /** Quiet time after the last byte/report before a code with no terminator is flushed. Default 100 ms. */
  idleMs?: number;
  /** What a flushed code becomes. Default 'error'. */
  unterminated?: 'error' | 'deliver';
}

/** A code arrived without its terminator and the line went quiet. */
export class ScanIncompleteError extends Error {
  override readonly name = 'ScanIncompleteError';
  constructor(
    readonly length: number,
    idleMs: number,
  ) {
    super(`scan of ${length} characters had no terminator within ${idleMs} ms (check the scanner's suffix setting)`);
  }
}

/** The scanner sent bytes or reports that are no scan (the DecodeError says what and where). */
export class ScanDecodeError extends Error {
  override readonly name = 'ScanDecodeError';
  constructor(override readonly cause: DecodeError | string) {
    super(`scanner input not understood: ${typeof cause === 'string' ? cause : cause.message}`);
  }
}

/** Arms and disarms the idle flush for a driver. */
export class IdleFlush {
  private timer: NodeJS.Timeout | undefined;
  readonly idleMs: number;
  readonly deliver: boolean;

  constructor(options: UnterminatedOptions, private readonly onIdle: () => void) {
    this.idleMs = options.idleMs ?? 100;
    this.deliver = options.unterminated === 'deliver';
  }

  /** Called after input: (re)starts the wait while something is pending. */
  touch(pending: boolean): void {
    clearTimeout(this.timer);
    this.timer = pending ? setTimeout(() => this.onIdle(), this.idleMs) : undefined;
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** A scan from text with an optional AIM prefix; an explicit symbology (HID-POS field) wins. */
export function toScan(text: string, symbology?: string): Scan {
  const stripped = stripAim(text);
  if (symbology) return { text: stripped.symbology ? stripped.text : text, symbology };
  return stripped;
}

/** Text from scanned bytes: UTF-8 when it is valid UTF-8 (QR payloads), otherwise Latin-1. */
export function textOf(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

export function asScanError(error: unknown): Error {
  if (error instanceof DecodeError) return new ScanDecodeError(error);
  return error instanceof Error ? error : new ScanDecodeError(String(error));
}
