/** What the terminal needs from scanners and magstripe readers (CONTRACTS.md "Devices"): events only. */
import type { EventEmitter } from 'node:events';

export interface ScanEvent {
  text: string;
  /** AIM symbology identifier such as ]Q1. */
  symbology?: string;
}

export interface ScannerSource extends EventEmitter {
  on(event: 'scan', listener: (scan: ScanEvent) => void): this;
  on(event: 'gone' | 'error', listener: (detail?: unknown) => void): this;
}

export interface SwipeEvent {
  track1?: string;
  track2?: string;
}

export interface MagstripeSource extends EventEmitter {
  on(event: 'swipe', listener: (swipe: SwipeEvent) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
}
