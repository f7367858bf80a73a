/** A switch on a fresh journal plus terminal connections, for the switch's suites. */
import pino from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { IsoClient } from '../../cli/load/iso-client.js';
import { applicationCryptogram, encipherPinBlock, tdesDukptKeys } from '../../protocols/crypto/index.js';
import type { IsoMessage } from '../../protocols/iso8583/index.js';
import { testCards, type TestCardProfileId } from '../../protocols/testcards.js';
import { testTmk } from '../../switch/config.js';
import { startSwitch, type RunningSwitch, type SwitchConfig } from '../../switch/index.js';
import type { TestDatabase } from './databases.js';

/** The switch's test terminal master key (double-length TDES). TEST KEY. */
export const tmk = testTmk;
export const terminalIds = ['T0000001', 'T0000002', 'T0000003'];
export const merchantId = 'M00000000000001';

/** The X9.24-1 test BDK the switch's HSM simulator holds (CONTRACTS.md). TEST KEY. */
export const testBdk = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');

/** `device`'s KSN (10 bytes, hex) with transaction counter `counter` in its low 21 bits. */
export function ksnOf(device: string, counter: number): Buffer {
  const ksn = Buffer.from(device, 'hex');
  ksn.writeUIntBE((ksn.readUIntBE(7, 3) & 0xe00000) | counter, 7, 3);
  return ksn;
}

/**
 * DE90 (n 42, ISO 8583:1987 original data elements) naming an original: its MTI, STAN (DE11) and
 * transmission date-time (DE7), then the acquirer and forwarding institution IDs (n 11 each), unused: zeros.
 * Given a request as sent, its own MTI, DE11 and DE7; built here, not by the terminal's copy, so the
 * switch's suites check the layout on their own.
 */
export function originalDataElements(original: IsoMessage): string;
export function originalDataElements(mti: string, stan: string, transmitted: string): string;
export function originalDataElements(original: IsoMessage | string, stan?: string, transmitted?: string): string {
  if (typeof original !== 'string') return originalDataElements(original.mti, original.getString('11')!, original.getString('7')!);
  return `${original}${stan!}${transmitted!}${'0'.repeat(22)}`;
}

/** An ISO 9564 format 0 PIN block under the DUKPT PIN key of `ksn` (test BDK). */
export const dukptPinBlock = (ksn: Buffer, pin: string, pan: string): Buffer => encipherPinBlock(tdesDukptKeys(testBdk, ksn).pin, { format: 0, pin, pan });

export async function testSwitch(db: string, over: Partial<SwitchConfig> = {}): Promise<RunningSwitch> {
  return startSwitch({
    db,
    terminals: terminalIds.map((id) => ({ id, merchantId, merchantName: 'Test shop', tmk })),
    lateAnswerMs: 300,
    logger: pino({ level: 'silent' }),
    ...over,
  });
}

export async function terminal(sw: RunningSwitch, terminalId = terminalIds[0]!, signOn = true): Promise<IsoClient> {
  const client = await IsoClient.connect({ port: sw.port, terminalId, merchantId, tmk, timeoutMs: 1000 });
  if (signOn) await client.signOn();
  return client;
}

/** For one describe block: a switch on a fresh journal and a signed-on terminal, handed to `ready` before its tests; closed after them. */
export function switchWithTerminal(database: TestDatabase, ready: (sw: RunningSwitch, t: IsoClient) => void): void {
  let sw: RunningSwitch | undefined;
  let t: IsoClient | undefined;
  beforeAll(async () => {
    sw = await testSwitch(database.url());
    t = await terminal(sw);
    ready(sw, t);
  });
  afterAll(async () => {
    await t?.close();
    await sw?.stop();
    await database.cleanup();
  });
}

/**
 * DE55 tags (as `55.TAG` paths) of a contactless ARQC the way the virtual card computes it (protocols/testcards.ts recipe).
 * `type` is 9C, the EMV transaction type: `00` purchase, `31` balance inquiry.
 */
export function contactlessDe55(id: TestCardProfileId, amount: number, options: { atc?: number; tamper?: boolean; type?: string } = {}): Record<string, Buffer> {
  const card = testCards[id];
  const atc = Buffer.alloc(2);
  atc.writeUInt16BE(options.atc ?? card.initialAtc);
  const un = Buffer.from('A1B2C3D4', 'hex');
  const iad = Buffer.from(card.iad, 'hex');
  const values: Array<[string, Buffer]> = [
    ['9F02', Buffer.from(String(amount).padStart(12, '0'), 'hex')],
    ['9F03', Buffer.alloc(6)],
    ['9F1A', Buffer.from('0156', 'hex')],
    ['95', Buffer.alloc(5)],
    ['5F2A', Buffer.from('0156', 'hex')],
    ['9A', Buffer.from('261127', 'hex')],
    ['9C', Buffer.from(options.type ?? '00', 'hex')],
    ['9F37', un],
    ['82', Buffer.from(card.aip, 'hex')],
    ['9F36', atc],
  ];
  const { tail } = card.recipe;
  const data = Buffer.concat([...values.map(([, v]) => v), tail === 'whole-iad' ? iad : iad.subarray(tail.start, tail.end)]);
  const arqc = applicationCryptogram({ imk: Buffer.from(card.imk, 'hex'), pan: card.pan, psn: card.psn, recipe: card.recipe, atc, unpredictableNumber: un, data });
  if (options.tamper) arqc[0]! ^= 0xff;
  return Object.fromEntries([...values, ['9F10', iad], ['9F26', arqc], ['9F27', Buffer.from('80', 'hex')]].map(([tag, value]) => [`55.${tag as string}`, value as Buffer]));
}
