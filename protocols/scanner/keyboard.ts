/**
 * HID boot keyboard reports (HID 1.11 appendix B.1: modifiers, reserved, six key slots, 8 bytes)
 * from a keyboard-wedge scanner → the text it typed, with the US layout of the Keyboard/Keypad page
 * 0x07 (HID Usage Tables §10): letters, digit row with its shifted symbols, punctuation, keypad
 * (Num Lock on), Tab, Space; Enter or keypad Enter ends a scan. A key counts when it appears in a
 * report and was not in the previous one, so both "press, release, press" and rolled reports type
 * each character once, and the same character twice needs a release between (as on the wire).
 * ErrorRollOver (usage 01 in the slots, also 02 POSTFail and 03 ErrorUndefined) says the key state
 * is unknown: that report is ignored and the previous state kept (HID 1.11 appendix C).
 * Ctrl + letter / [ \ ] ^ _ gives the ASCII control characters scanners use for GS1's GS (Ctrl+]).
 * Alt/GUI combinations (Alt+Numpad for non-ASCII) are refused: set the scanner to plain ASCII.
 */
import { DecodeError, EncodeError } from '../errors.js';

const LEFT_CTRL = 0x01, LEFT_SHIFT = 0x02, LEFT_ALT = 0x04, LEFT_GUI = 0x08;
const RIGHT_CTRL = 0x10, RIGHT_SHIFT = 0x20, RIGHT_ALT = 0x40, RIGHT_GUI = 0x80;
const ENTER = 0x28, KEYPAD_ENTER = 0x58, CAPS_LOCK = 0x39;

/** Usage → [unshifted, shifted] on a US keyboard. */
const usKeys = new Map<number, [string, string]>();
for (let i = 0; i < 26; i++) usKeys.set(0x04 + i, [String.fromCharCode(0x61 + i), String.fromCharCode(0x41 + i)]);
'1234567890'.split('').forEach((digit, i) => usKeys.set(0x1e + i, [digit, '!@#$%^&*()'[i]!]));
const punctuation: Array<[number, string, string]> = [
  [0x2b, '\t', '\t'],
  [0x2c, ' ', ' '],
  [0x2d, '-', '_'],
  [0x2e, '=', '+'],
  [0x2f, '[', '{'],
  [0x30, ']', '}'],
  [0x31, '\\', '|'],
  [0x33, ';', ':'],
  [0x34, "'", '"'],
  [0x35, '`', '~'],
  [0x36, ',', '<'],
  [0x37, '.', '>'],
  [0x38, '/', '?'],
  [0x54, '/', '/'],
  [0x55, '*', '*'],
  [0x56, '-', '-'],
  [0x57, '+', '+'],
  [0x63, '.', '.'],
];
for (const [usage, plain, shifted] of punctuation) usKeys.set(usage, [plain, shifted]);
'123456789'.split('').forEach((digit, i) => usKeys.set(0x59 + i, [digit, digit]));
usKeys.set(0x62, ['0', '0']);

/** Characters whose Ctrl+key gives a control character: the byte is the key's code & 0x1F. */
const controlKeys = '@abcdefghijklmnopqrstuvwxyz[\\]^_';

export class BootKeyboardDecoder {
  private previous = new Set<number>();
  private text = '';
  private capsLock = false;

  /** The text typed since the last Enter. */
  get pending(): string {
    return this.text;
  }

  /** Takes the pending text (a code with no terminator) and starts afresh. */
  flush(): string {
    const text = this.text;
    this.text = '';
    return text;
  }

  /** Forgets everything (after an error or an unplug). */
  reset(): void {
    this.previous.clear();
    this.text = '';
  }

  /** Feeds one report; returns the scans that an Enter in it completed (usually none or one). */
  push(report: Uint8Array): string[] {
    if (report.length !== 8) throw new DecodeError('boot keyboard report', '', Math.min(report.length, 8), `is ${report.length} bytes, not 8`);
    const slots = Array.from(report.subarray(2, 8));
    if (slots.some((usage) => usage >= 0x01 && usage <= 0x03)) return []; // ErrorRollOver and friends: state unknown
    const modifiers = report[0]!;
    const pressed = new Set(slots.filter((usage) => usage !== 0 && (usage < 0xe0 || usage > 0xe7)));
    const fresh = slots.filter((usage, i) => pressed.has(usage) && !this.previous.has(usage) && slots.indexOf(usage) === i);
    this.previous = pressed;
    const done: string[] = [];
    for (const [i, usage] of fresh.entries()) {
      if (usage === ENTER || usage === KEYPAD_ENTER) {
        done.push(this.flush());
        continue;
      }
      if (usage === CAPS_LOCK) {
        this.capsLock = !this.capsLock;
        continue;
      }
      const offset = 2 + slots.indexOf(usage);
      if (modifiers & (LEFT_ALT | RIGHT_ALT | LEFT_GUI | RIGHT_GUI))
        throw new DecodeError('boot keyboard report', 'modifiers', 0, 'Alt/GUI key combinations (Alt+Numpad) are not supported');
      const key = usKeys.get(usage);
      if (!key) throw new DecodeError('boot keyboard report', `key ${i + 1}`, offset, `usage 0x${usage.toString(16).padStart(2, '0')} types no character`);
      const shift = (modifiers & (LEFT_SHIFT | RIGHT_SHIFT)) !== 0;
      const letter = usage >= 0x04 && usage <= 0x1d;
      let char = key[shift !== (letter && this.capsLock) ? 1 : 0];
      if (modifiers & (LEFT_CTRL | RIGHT_CTRL)) {
        const at = controlKeys.indexOf(char.toLowerCase());
        if (at < 0) throw new DecodeError('boot keyboard report', `key ${i + 1}`, offset, 'Ctrl with a key that has no control character');
        char = String.fromCharCode(at);
      }
      this.text += char;
    }
    return done;
  }
}

/** Where each printable character is on a US keyboard: usage and shift. Main row, not keypad. */
const charToKey = new Map<string, { usage: number; shift: boolean }>();
for (const [usage, [plain, shifted]] of usKeys) {
  if (usage >= 0x54) continue;
  if (!charToKey.has(plain)) charToKey.set(plain, { usage, shift: false });
  if (!charToKey.has(shifted)) charToKey.set(shifted, { usage, shift: true });
}

/**
 * The reports a keyboard-wedge scanner sends for `text`: for each character a press report and an
 * all-zero release report; control characters 01–1F as Ctrl+key; then Enter (press, release).
 */
export function encodeBootKeyboard(text: string, options: { enter?: boolean } = {}): Buffer[] {
  const reports: Buffer[] = [];
  const press = (modifiers: number, usage: number) => {
    reports.push(Buffer.from([modifiers, 0, usage, 0, 0, 0, 0, 0]), Buffer.alloc(8));
  };
  for (const [i, char] of Array.from(text).entries()) {
    const code = char.codePointAt(0)!;
    const key = charToKey.get(char);
    if (key) press(key.shift ? LEFT_SHIFT : 0, key.usage);
    else if (code < 0x20) {
      const base = controlKeys[code]!;
      const target = charToKey.get(base)!;
      press(LEFT_CTRL | (target.shift ? LEFT_SHIFT : 0), target.usage);
    } else throw new EncodeError('boot keyboard', `character ${i}`, 'not on a US keyboard (the wedge cannot type it)');
  }
  if (options.enter ?? true) press(0, ENTER);
  return reports;
}
