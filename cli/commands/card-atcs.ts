/**
 * The ATCs of the CLI's virtual cards (`--virtual-card`), kept in virtual-cards.json beside the
 * terminal's journal so that a card's ATC keeps counting from one `pos sale` process to the next:
 * the switch refuses a cryptogram whose ATC is not above the highest it has seen for the card (05).
 * It is one file per folder, not per terminal: a card is the same card whichever terminal it taps.
 * The demo's counters in the same folder (virtual-devices.json) count too: same cards, same switch
 * journal by default.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { testCards, type TestCardProfileId } from '../../protocols/testcards.js';

type Atcs = Partial<Record<TestCardProfileId, number>>;

function read(file: string): Atcs & { atcs?: Atcs } {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Atcs & { atcs?: Atcs };
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

export class CardAtcs {
  readonly file: string;
  private readonly demoFile: string;

  /** Beside `journal`; undefined for an in-memory journal (nothing to keep). */
  static beside(journal: string): CardAtcs | undefined {
    return journal === ':memory:' ? undefined : new CardAtcs(dirname(journal));
  }

  private constructor(folder: string) {
    this.file = join(folder, 'virtual-cards.json');
    this.demoFile = join(folder, 'virtual-devices.json');
  }

  /**
   * The ATC to start a card at, with the next one reserved on disk before the card is used: a
   * process killed mid-sale has already counted the ATC its tap used.
   */
  start(card: TestCardProfileId): number {
    const atcs = [read(this.file)[card], read(this.demoFile).atcs?.[card], testCards[card].initialAtc].filter((n): n is number => Number.isInteger(n));
    const start = Math.max(...atcs);
    this.save(card, start + 1);
    return start;
  }

  /** Keeps a card's ATC after use (never lowering what is saved). */
  save(card: TestCardProfileId, atc: number): void {
    const atcs = read(this.file);
    if ((atcs[card] ?? -1) >= atc) return;
    writeFileSync(this.file, `${JSON.stringify({ ...atcs, [card]: atc }, null, 2)}\n`);
  }
}
