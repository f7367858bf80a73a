/**
 * The switch's terminals in memory. A configured terminal (--terminals) is loaded on first use and
 * kept: the configuration bounds them. An enrolled one (enrollUnknown) has state only while signed
 * on, in a table of at most `maxSignedOn`, least recently used out first, or while a request holds it.
 * An evicted (or signed-off) terminal's next request gets a new state, so its MAC'd request is
 * answered A0 "not signed on" (a POS signs on again); its requests already in the pipeline finish
 * under the keys they arrived with, which leave the HSM when the last of them has its answer packed.
 * Enrolled terminals share one TMK entry, and one that only echoes (0800/301) or is refused leaves
 * nothing behind.
 */
import type { Logger } from 'pino';
import type { TerminalConfig } from './config.js';
import type { Hsm } from './hsm/index.js';
import type { TerminalState } from './pipeline.js';
import { dropCurrentKeys, releaseKeys } from './working-keys.js';

export interface TerminalsOptions {
  configured: ReadonlyMap<string, TerminalConfig>;
  enroll?: { tmk: string; merchantId?: string } | undefined;
  hsm: Hsm;
  maxSignedOn: number;
  log: Logger;
}

/** The one HSM entry of the enrolment TMK; `*` is not in any DE41 of 8 characters, so no terminal's `tmk:ID` is it. */
const enrolledTmkId = 'tmk:*';

/** An enrolled terminal's state: `new` until its sign-on is kept in the table, `retired` once out of it. */
interface Enrolled extends TerminalState {
  /** Requests holding it (from get() until release()): its keys stay while any does. */
  uses: number;
  status: 'new' | 'kept' | 'retired';
  /** The number of its keys when it left the table (0: none): keys of a later sign-on it held in flight then (a sign-off just before it) sign it on again. */
  retiredAt?: number;
}

export class Terminals {
  /** Configured terminals, loaded (or loading: a promise until their TMK is in the HSM). */
  private readonly configured = new Map<string, TerminalState | Promise<TerminalState>>();
  /** Signed-on enrolled terminals, least recently used first (a Map keeps insertion order). */
  private readonly signedOn = new Map<string, Enrolled>();
  /** Numbers each enrolled state's key ids, so a state still held by a request never shares keys with its successor. */
  private states = 0;

  constructor(private readonly options: TerminalsOptions) {}

  /** Imports the shared enrolment TMK; call once before serving. */
  async init(): Promise<void> {
    if (this.options.enroll) await this.options.hsm.importKey(enrolledTmkId, 'TMK', Buffer.from(this.options.enroll.tmk, 'hex'));
  }

  /**
   * A terminal in memory comes back as itself (no promise hop); an unknown ID as undefined. An enrolled
   * one is held by the request until release().
   */
  get(id: string): TerminalState | undefined | Promise<TerminalState | undefined> {
    if (this.options.configured.has(id)) return this.configuredTerminal(id);
    const enroll = this.options.enroll;
    if (!enroll || !/^[ -~]{8}$/.test(id)) return undefined;
    const state = this.signedOn.get(id);
    if (state) {
      // Most recently used last.
      this.signedOn.delete(id);
      this.signedOn.set(id, state);
      state.uses++;
      return state;
    }
    // Not kept: it joins the table only if this request signs it on (see release()).
    const fresh: Enrolled = { id, merchantId: enroll.merchantId ?? '', tmkId: enrolledTmkId, keyBase: `${id}#${++this.states}`, generation: 0, held: new Map(), uses: 1, status: 'new' };
    return fresh;
  }

  /** Enrolled terminals signed on now (the admin API lists them beside the configured ones). */
  signedOnEnrolled(): Array<{ id: string; merchantId: string }> {
    return [...this.signedOn.values()].map(({ id, merchantId }) => ({ id, merchantId }));
  }

  /**
   * The request holding `state` has packed its answer (or ended without one). A new state that now has
   * working keys is kept, and so is one retired before a sign-on it held finished (a sign-off and a
   * sign-on sent back to back: the sign-off's release retires it first); a kept one signed off leaves
   * the table; a state out of the table loses its keys when no request holds it any more.
   */
  release(state: TerminalState | undefined, keyGeneration: number | undefined): void {
    if (state && keyGeneration !== undefined) releaseKeys(state, keyGeneration, this.options.hsm);
    if (!state || state.tmkId !== enrolledTmkId) return;
    const enrolled = state as Enrolled;
    enrolled.uses--;
    const signedOnSince = enrolled.status === 'new' || (enrolled.status === 'retired' && (enrolled.keyGeneration ?? 0) > enrolled.retiredAt!);
    if (signedOnSince && enrolled.takId) this.keep(enrolled);
    else if (enrolled.status === 'kept' && !enrolled.takId) this.retire(enrolled);
    else if (enrolled.uses === 0 && enrolled.status !== 'kept') this.dropKeys(enrolled);
  }

  private keep(state: Enrolled): void {
    // Two sign-ons of one terminal at once: the later replaces the earlier.
    const replaced = this.signedOn.get(state.id);
    if (replaced) this.retire(replaced);
    state.status = 'kept';
    this.signedOn.set(state.id, state);
    while (this.signedOn.size > this.options.maxSignedOn) {
      const oldest = this.signedOn.values().next().value!;
      this.retire(oldest);
      this.options.log.debug({ terminal: oldest.id }, 'signed-on table full: least recently used terminal signed off');
    }
  }

  /** Out of the table (back only by a sign-on it held then: see release()); its keys go now, or when the last request holding it is released. */
  private retire(state: Enrolled): void {
    this.signedOn.delete(state.id);
    state.status = 'retired';
    state.retiredAt = state.keyGeneration ?? 0;
    if (state.uses === 0) this.dropKeys(state);
  }

  /** Its current keys; no request holds any other pair of it by now (each released its own). */
  private dropKeys(state: Enrolled): void {
    dropCurrentKeys(state, this.options.hsm);
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
    return { id, merchantId, tmkId: `tmk:${id}`, keyBase: id, generation: 0, held: new Map() };
  }
}
