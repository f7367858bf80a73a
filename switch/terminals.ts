/**
 * The switch's terminals in memory. A configured terminal (--terminals) is loaded on first use and
 * kept: the configuration bounds them. An enrolled one (enrollUnknown) has state only while signed
 * on, in a table of at most `maxSignedOn`, least recently used out first; an evicted terminal's
 * working keys leave the HSM and its next MAC'd request is answered A0 "not signed on", as for any
 * terminal that has not signed on (a POS signs on again). Enrolled terminals share one TMK entry, and
 * one that only echoes (0800/301) or is refused leaves nothing behind.
 */
import type { Logger } from 'pino';
import type { TerminalConfig } from './config.js';
import type { Hsm } from './hsm/index.js';
import type { TerminalState } from './pipeline.js';

export interface TerminalsOptions {
  configured: ReadonlyMap<string, TerminalConfig>;
  enroll?: { tmk: string; merchantId?: string } | undefined;
  hsm: Hsm;
  maxSignedOn: number;
  log: Logger;
}

/** The one HSM entry of the enrolment TMK; `*` is not in any DE41 of 8 characters, so no terminal's `tmk:ID` is it. */
const enrolledTmkId = 'tmk:*';

export class Terminals {
  /** Configured terminals, loaded (or loading: a promise until their TMK is in the HSM). */
  private readonly configured = new Map<string, TerminalState | Promise<TerminalState>>();
  /** Signed-on enrolled terminals, least recently used first (a Map keeps insertion order). */
  private readonly signedOn = new Map<string, TerminalState>();

  constructor(private readonly options: TerminalsOptions) {}

  /** Imports the shared enrolment TMK; call once before serving. */
  async init(): Promise<void> {
    if (this.options.enroll) await this.options.hsm.importKey(enrolledTmkId, 'TMK', Buffer.from(this.options.enroll.tmk, 'hex'));
  }

  /** A terminal in memory comes back as itself (no promise hop); an unknown ID as undefined. */
  get(id: string): TerminalState | undefined | Promise<TerminalState | undefined> {
    if (this.options.configured.has(id)) return this.configuredTerminal(id);
    const enroll = this.options.enroll;
    if (!enroll || !/^[ -~]{8}$/.test(id)) return undefined;
    const state = this.signedOn.get(id);
    if (state) {
      // Most recently used last.
      this.signedOn.delete(id);
      this.signedOn.set(id, state);
      return state;
    }
    // Not kept: it joins the table only if this request signs it on (see settled()).
    return { id, merchantId: enroll.merchantId ?? '', tmkId: enrolledTmkId, generation: 0 };
  }

  /** After a request of an enrolled terminal: one that now has working keys is kept, one signed off (or replaced) is dropped. */
  settled(state: TerminalState | undefined): void {
    if (!state || state.tmkId !== enrolledTmkId) return;
    const kept = this.signedOn.get(state.id);
    if (state.takId) {
      if (kept === state) return;
      this.signedOn.delete(state.id);
      this.signedOn.set(state.id, state);
      while (this.signedOn.size > this.options.maxSignedOn) {
        const oldest = this.signedOn.keys().next().value!;
        this.signedOn.delete(oldest);
        this.dropKeys(oldest);
        this.options.log.debug({ terminal: oldest }, 'signed-on table full: least recently used terminal signed off');
      }
    } else if (kept === state) {
      this.signedOn.delete(state.id);
      this.dropKeys(state.id);
    }
  }

  /** Enrolled terminals signed on now. */
  get signedOnCount(): number {
    return this.signedOn.size;
  }

  /** Both key slots the sign-on step uses (pipeline.ts network()). */
  private dropKeys(id: string): void {
    for (const slot of [0, 1]) {
      this.options.hsm.deleteKey(`tpk:${id}:${slot}`);
      this.options.hsm.deleteKey(`tak:${id}:${slot}`);
    }
  }

  private configuredTerminal(id: string): TerminalState | Promise<TerminalState> {
    const state = this.configured.get(id);
    if (state) return state;
    const loading = this.load(this.options.configured.get(id)!);
    this.configured.set(id, loading);
    // A failed load is not kept (the request that saw it answers 96; the next one loads again).
    loading.then(
      (found) => this.configured.set(id, found),
      () => this.configured.delete(id),
    );
    return loading;
  }

  private async load({ id, merchantId, tmk }: TerminalConfig): Promise<TerminalState> {
    await this.options.hsm.importKey(`tmk:${id}`, 'TMK', Buffer.from(tmk, 'hex'));
    return { id, merchantId, tmkId: `tmk:${id}`, generation: 0 };
  }
}
