// What a refused reversal leaves standing depends on what was reversed: a sale stays charged (refund it),
// but a refund stays credited and a void keeps its sale cancelled — "charged; refund it" would send the
// cashier to refund a refund. The forwarder over a real journal file and a host link answering 12.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { IsoMessage, specs } from '../../protocols/iso8583/index.js';
import { Forwarder } from '../../terminal/forwarder.js';
import type { HostLink } from '../../terminal/host-link.js';
import { Journal, type TxnKind } from '../../terminal/journal.js';

const tmk = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A link that answers every message with DE39 `code`. */
const answering = (code: string) =>
  ({
    isConnected: true,
    bareMessage: (mti: string) => new IsoMessage(specs.default, mti),
    send: async (message: IsoMessage) => new IsoMessage(specs.default, `${message.mti.slice(0, 2)}${Number(message.mti[2]) + 1}${message.mti[3]}`).set('39', code),
  }) as unknown as HostLink;

it.each<[TxnKind, RegExp]>([
  ['sale', /: the transaction stands, charged; refund it to give the money back$/],
  ['refund', /: the refund stands, credited to the card$/],
  ['void', /: the void stands, its sale cancelled$/],
])('a refused reversal of a %s says what stands', async (kind, standing) => {
  const dir = mkdtempSync(join(tmpdir(), 'forwarder-'));
  dirs.push(dir);
  const journal = new Journal(join(dir, 'terminal.db'), tmk);
  journal.insert({ id: 't1', kind, tender: 'card', amount: 1234, currency: '156', stan: journal.nextStan(), transmitted: '1128101010', batch: 1, entryMode: '071', maskedPan: '476173******0010' }, {});
  journal.update('t1', { state: 'reversing' });
  journal.enqueue('t1', 'reversal', { '3': '000000', '4': '1234', '11': '000002', '7': '1128101011' });
  const refused: string[] = [];
  const forwarder = new Forwarder(journal, answering('12'), pino({ level: 'silent' }), () => Promise.resolve(true), {
    done: () => {},
    refused: (_entry, row) => refused.push(row.reason ?? ''),
    parked: () => {},
  });
  expect(await forwarder.flush()).toBe(true);
  expect(refused).toHaveLength(1);
  expect(refused[0]).toMatch(/^the host refused the reversal \(12: /);
  expect(refused[0]).toMatch(standing);
  expect(journal.get('t1')).toMatchObject({ state: 'approved', reasonCode: 'reversal-refused' });
  journal.close();
});
