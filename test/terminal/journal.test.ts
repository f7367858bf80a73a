// The terminal journal on a real SQLite file: STAN on disk with its wrap, rows written before
// sending, the store-and-forward queue (one entry per transaction and kind), sealed request fields.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal, JournalInUseError, JournalOwnerError } from '../../terminal/journal.js';

const tmk = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
const dirs: string[] = [];
function journalPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'journal-'));
  dirs.push(dir);
  return join(dir, 'terminal.db');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const row = (id: string, stan: string) => ({
  id, kind: 'sale' as const, tender: 'card' as const, amount: 1234, currency: '156', stan, transmitted: '0315101010', batch: 1, entryMode: '071', maskedPan: '476173******0010',
});

describe('terminal journal', () => {
  it('STAN survives a restart and wraps 999999 → 000001', () => {
    const path = journalPath();
    let journal = new Journal(path, tmk);
    expect(journal.nextStan()).toBe('000001');
    expect(journal.nextStan()).toBe('000002');
    journal.close();
    journal = new Journal(path, tmk);
    expect(journal.nextStan()).toBe('000003');
    journal.setStan(999998);
    expect(journal.nextStan()).toBe('999999');
    expect(journal.nextStan()).toBe('000001');
    journal.close();
  });

  it('belongs to the terminal that created it and refuses another, naming both', () => {
    const path = journalPath();
    const journal = new Journal(path, tmk, 'POS00001');
    expect(journal.terminalId).toBe('POS00001');
    journal.nextStan();
    journal.close();
    new Journal(path, tmk, 'POS00001').close();
    let refused: unknown;
    try {
      new Journal(path, tmk, 'DEMO0001');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(JournalOwnerError);
    expect((refused as Error).message).toBe(`journal ${path} belongs to terminal POS00001, not DEMO0001: give each terminal its own journal`);
    // The refusal left the file as it was: its owner can still open it and nothing moved.
    const again = new Journal(path, tmk, 'POS00001');
    expect(again.nextStan()).toBe('000002');
    again.close();
  });

  it('a journal from before the terminal ID was kept goes to the first terminal that opens it', () => {
    const path = journalPath();
    const old = new Journal(path, tmk);
    old.insert(row('t1', old.nextStan()), { '2': '4761739001010010' });
    old.enqueue('t1', 'reversal', { '11': '000001' });
    old.close();
    // The shape of a journal from before: no meta table at all.
    const raw = new Database(path);
    raw.exec('DROP TABLE meta');
    raw.close();
    const warnings: string[] = [];
    const first = new Journal(path, tmk, 'DEMO0001', (message) => warnings.push(message));
    expect(first.terminalId).toBe('DEMO0001');
    // Its rows and queued reversal now go out as DEMO0001's: said once, at the claim (before: silently).
    expect(warnings).toEqual([`journal ${path} recorded no terminal ID and now belongs to DEMO0001: its 1 transaction(s) and 1 queued reversal(s)/advice(s) go out under DEMO0001; if another terminal wrote them, stop and give it this journal back`]);
    first.close();
    new Journal(path, tmk, 'DEMO0001', (message) => warnings.push(message)).close();
    const fresh = journalPath();
    new Journal(fresh, tmk, 'POS00001', (message) => warnings.push(message)).close();
    expect(warnings).toHaveLength(1);
    const again = new Journal(path, tmk, 'DEMO0001');
    expect(again.get('t1')?.state).toBe('pending');
    again.close();
    expect(() => new Journal(path, tmk, 'POS00001')).toThrow(JournalOwnerError);
  });

  it('a transaction is pending until resolved; unresolved() lists it after a restart', () => {
    const path = journalPath();
    let journal = new Journal(path, tmk);
    journal.insert(row('t1', '000001'), { '2': '4761739001010010', '4': '1234' });
    journal.insert(row('t2', '000002'), {});
    journal.update('t2', { state: 'approved', authCode: 'A1B2C3', rrn: '000000000001', responseCode: '00' });
    journal.close();
    journal = new Journal(path, tmk);
    expect(journal.unresolved().map((t) => t.id)).toEqual(['t1']);
    expect(journal.request('t1')).toEqual({ '2': '4761739001010010', '4': '1234' });
    expect(journal.get('t2')).toMatchObject({ state: 'approved', authCode: 'A1B2C3', maskedPan: '476173******0010' });
    expect(journal.settled(1).map((t) => t.id)).toEqual(['t2']);
    expect(journal.history(10).map((t) => t.id)).toEqual(['t2', 't1']);
    journal.close();
  });

  it('is held by one opener at a time: a second one fails at once (JournalInUseError), and opens once the first closed', () => {
    const path = journalPath();
    const first = new Journal(path, tmk, 'POS00001');
    expect(() => new Journal(path, tmk, 'POS00001')).toThrow(JournalInUseError);
    first.close();
    new Journal(path, tmk, 'POS00001').close();
  });

  it('a journal that fails to open after taking its lock keeps none: opening it again names the real problem, not JournalInUseError', () => {
    const path = journalPath();
    const broken = new Database(path);
    broken.exec('CREATE TABLE meta (x TEXT)'); // not the journal's meta: claiming the terminal ID fails
    broken.close();
    const failure = (() => {
      try {
        new Journal(path, tmk, 'POS00001');
      } catch (error) {
        return error as Error;
      }
    })();
    expect(failure).toBeDefined();
    expect(failure).not.toBeInstanceOf(JournalInUseError);
    expect(() => new Journal(path, tmk, 'POS00001')).toThrow(failure!.message); // before: JournalInUseError
  });

  it('the PAN in stored request fields is sealed: not in the database file', () => {
    const path = journalPath();
    const journal = new Journal(path, tmk);
    journal.insert(row('t1', '000001'), { '2': '4761739001010010' });
    journal.enqueue('t1', 'reversal', { '2': '4761739001010010' });
    journal.close();
    const bytes = Buffer.concat([readFileSync(path), readFileSync(`${path}-wal`, { flag: 'a+' })]).toString('latin1');
    expect(bytes).not.toContain('4761739001010010');
    expect(() => new Journal(path, Buffer.alloc(16)).request('t1')).toThrow();
  });

  it('one reversal per transaction; attempts counted before sending; done entries leave the queue', () => {
    const journal = new Journal(journalPath(), tmk);
    const first = journal.enqueue('t1', 'reversal', { '11': '000005' });
    const again = journal.enqueue('t1', 'reversal', { '11': '000099' });
    expect(again.id).toBe(first.id);
    expect(again.fields['11']).toBe('000005');
    expect(journal.markAttempt(first.id)).toBe(1);
    expect(journal.markAttempt(first.id)).toBe(2);
    expect(journal.pendingQueue()).toHaveLength(1);
    expect(journal.acknowledge(first)).toBe(false); // no row to settle
    expect(journal.pendingQueue()).toHaveLength(0);
    journal.close();
  });

  it('keeps each request’s MTI; a journal from before the column opens with it added and rows falling back to their kind', () => {
    const path = journalPath();
    const journal = new Journal(path, tmk);
    journal.insert({ ...row('c1', '000001'), kind: 'completion', mti: '0220' }, {});
    expect(journal.get('c1')!.mti).toBe('0220');
    journal.close();
    const raw = new Database(path);
    raw.exec('ALTER TABLE txns DROP COLUMN mti');
    raw.close();
    const reopened = new Journal(path, tmk);
    expect(reopened.get('c1')!.mti).toBe('0220');
    reopened.insert({ ...row('p1', '000002'), kind: 'preauth', mti: '0100' }, {});
    expect(reopened.get('p1')!.mti).toBe('0100');
    reopened.close();
  });

  it('an acknowledged reversal settles its row in the same transaction; an older journal’s leftover is settled at start', () => {
    const path = journalPath();
    const journal = new Journal(path, tmk);
    for (const id of ['t1', 't2']) {
      journal.insert(row(id, id === 't1' ? '000001' : '000002'), { '2': '4761739001010010' });
      journal.update(id, { state: 'reversing' });
      journal.enqueue(id, 'reversal', { '11': '000009' });
    }
    expect(journal.acknowledge(journal.queueEntry('t1', 'reversal')!)).toBe(true);
    expect(journal.get('t1')!.state).toBe('reversed');
    journal.close();
    // What a crash between "queue entry done" and "row updated" left behind before both were one transaction.
    const raw = new Database(path);
    raw.prepare(`UPDATE queue SET done = 1 WHERE txn_id = 't2'`).run();
    raw.close();
    const reopened = new Journal(path, tmk);
    expect(reopened.get('t2')!.state).toBe('reversing');
    expect(reopened.settleAcknowledgedReversals()).toEqual(['t2']);
    expect(reopened.get('t2')!.state).toBe('reversed');
    expect(reopened.settleAcknowledgedReversals()).toEqual([]);
    reopened.close();
  });
});
