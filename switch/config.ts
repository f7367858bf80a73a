import type { Logger } from 'pino';
import type { LengthHeader } from '../protocols/framing/index.js';
import type { MessageSpec } from '../protocols/iso8583/index.js';
import type { Hsm } from './hsm/hsm.js';

export interface TerminalConfig {
  /** DE41, 8 characters. */
  id: string;
  /** DE42, 15 characters. */
  merchantId: string;
  merchantName?: string;
  /**
   * Double-length TDES terminal master key, hex. TEST KEYS in configuration files only. (DUKPT needs
   * nothing per terminal here: the KSN in DE53 names the terminal's key under the switch's BDK.)
   */
  tmk: string;
}

export interface SwitchConfig {
  /** TCP port for terminals; 0 picks a free one. */
  port?: number;
  host?: string;
  /** Admin HTTP port; undefined = no admin API, 0 = a free port. */
  adminPort?: number;
  /** Bearer token the admin API requires for writes; without one, writes are refused. */
  adminToken?: string;
  /** 'sqlite:PATH', a file path, 'postgres://…' or ':memory:' (not durable). */
  db?: string;
  spec?: MessageSpec;
  framing?: LengthHeader;
  maxMessageLength?: number;
  terminals?: TerminalConfig[];
  /**
   * A terminal ID outside `terminals` signs on with this TMK, under this merchant or any DE42 when
   * none is given (load tests, demos). Without it, unknown terminals are refused (03).
   */
  enrollUnknown?: { tmk: string; merchantId?: string };
  /**
   * Enrolled terminals signed on at once (default 10000): a sign-on beyond it signs off the least
   * recently used one, whose next MAC'd request is answered A0 until it signs on again.
   */
  maxSignedOn?: number;
  /** Delay of the `.98` late answer; default 60 s. */
  lateAnswerMs?: number;
  /** A connection silent this long, owing it no answer, is closed; default 10 minutes. */
  idleTimeoutMs?: number;
  /** Requests of one connection processed at once (default 256); above it the switch stops reading that connection until one finishes. */
  maxInFlightPerConnection?: number;
  /** Answer bytes a connection may leave unread (default 4 MiB); above it the switch closes that connection. */
  maxUnwrittenBytes?: number;
  /** A frame begun must be complete within this (ms, default 5000), else its connection is closed. */
  frameTimeoutMs?: number;
  /** Terminal connections open at once (default 10000); one more is closed as it arrives. */
  maxConnections?: number;
  /**
   * How long stop() waits for the requests in flight (ms, default 15000); answers still owed then are
   * not sent (the terminals reverse), so a stuck journal or HSM cannot hold SIGTERM.
   */
  stopTimeoutMs?: number;
  /** DUKPT BDK (hex); default the X9.24 test BDK. */
  bdk?: string;
  /** HSM local master key (64 hex digits, AES-256) for the simulated HSM; default a random one per process. */
  lmk?: string;
  /** An HSM to use instead of the simulated one. */
  hsm?: Hsm;
  logger?: Logger;
}

export const x924TestBdk = '0123456789ABCDEFFEDCBA9876543210';
/** The TMK `pos switch` enrolls unknown terminals with by default and `pos load` uses. TEST KEY. */
export const testTmk = 'C1D0F8FB4958670DBA40AB1F3752EF0D';
