/**
 * The terminal's configuration (CONTRACTS.md, "Terminal API"): read once by whoever starts the
 * terminal and passed down. Defaults are a CNY-acquiring, online-only contactless terminal.
 */
import type { LengthHeader } from '../protocols/framing/index.js';
import { specs, type MessageSpec } from '../protocols/iso8583/index.js';
import type { PaymentCodeRule } from '../protocols/qr/index.js';
import type { CardReader } from '../hardware/nfc/card-reader.js';
import type { KernelConfig, SupportedAid } from './kernel/kernel.js';
import type { Logger } from './logger.js';
import type { PinPad } from './pinpad.js';
import type { MagstripeSource, ScannerSource } from './devices.js';

export const defaultAids: SupportedAid[] = [
  { aid: 'A000000003', scheme: 'Visa', arpcMethod: 2 },
  { aid: 'A000000004', scheme: 'Mastercard', arpcMethod: 1 },
  { aid: 'A000000333', scheme: 'UnionPay', arpcMethod: 1 },
];

export interface TerminalConfig {
  host: string;
  port: number;
  /** A built-in spec name or a spec object (a JSON spec already parsed). */
  spec?: MessageSpec | keyof typeof specs;
  framing?: LengthHeader;
  /** DE41, 8 characters. */
  terminalId: string;
  /** DE42, 15 characters. */
  merchantId: string;
  /** Terminal master key, double-length TDES, hex. */
  tmk: string;
  /** DUKPT initial PIN encryption key and initial KSN, hex (used by the PIN pad). */
  dukpt?: { ipek: string; iksn: string };
  /** Journal file path (SQLite) or ':memory:'. */
  journal: string;
  /** ISO 4217 numeric, default '156'. */
  currency?: string;
  /** ISO 3166 numeric, default '156'. */
  country?: string;
  /** Minor units. */
  limits?: Partial<KernelConfig['limits']>;
  aids?: SupportedAid[];
  reader?: CardReader;
  scanners?: ScannerSource[];
  msr?: MagstripeSource;
  pinPad?: PinPad;
  paymentCodeRules?: PaymentCodeRule[];
  timeouts?: Partial<Timeouts>;
  logger?: Logger;
}

export interface Timeouts {
  /** Waiting for an answer to a financial request. */
  hostMs: number;
  connectMs: number;
  /** Waiting for a card, a swipe or a code to be presented. */
  presentMs: number;
  /** Waiting for the cardholder to enter the PIN. */
  pinMs: number;
  /** Echo when the line has been idle this long (0 = never). */
  echoIntervalMs: number;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  /** Between store-and-forward retries. */
  queueRetryMs: number;
}

export const defaultTimeouts: Timeouts = {
  hostMs: 30000,
  connectMs: 5000,
  presentMs: 60000,
  pinMs: 30000,
  echoIntervalMs: 60000,
  reconnectInitialMs: 500,
  reconnectMaxMs: 30000,
  queueRetryMs: 10000,
};

export const defaultLimits: KernelConfig['limits'] = { contactless: 100000, cvmRequired: 30000, floor: 0 };
