import { readFileSync } from 'node:fs';
import { DecodeError } from '../../protocols/errors.js';
import { maskEmvValue } from '../../protocols/mask.js';
import { orderedKeys, stringifyOrdered, withKeyOrder } from '../../protocols/ordered-json.js';
import { decodeCpm, decodeMpm, encodeMpm, parsePaymentCodeRules, paymentCodeClassifier, startsAsCpm, type MpmObject, type PaymentCodeRule } from '../../protocols/qr/index.js';
import type { TlvObject } from '../../protocols/tlv/index.js';
import { atMost, CliError, parseJson, parseOptions, printJson, quoted, readInput, type CliIo } from '../io.js';

const help = `usage: pos qr decode [--rules FILE.json] [--reveal] PAYLOAD|-
       pos qr encode JSON|-

decode  prints JSON for what was scanned:
          an EMVCo merchant-presented payload (000201…6304XXXX): its data objects, templates
            nested, and whether the CRC in tag 63 is valid;
          an EMVCo consumer-presented payload (base64, 85 "CPV01"): its BER-TLV templates, the
            card data masked as pos iso8583 decode masks DE55 (--reveal: in clear): PAN 5A
            (6+4), tracks 57, 56, 9F6B (masked PAN only), 9F1F, 9F20, PIN data 99 and the
            cardholder name 5F20, 9F0B (stars);
          anything else: the payment-code classification (UNIONPAY, WECHAT, ALIPAY) or why none fits;
          --rules replaces the built-in payment-code rules (docs/qr.md).
encode  takes merchant-presented data objects as JSON ({"52":"5411","59":"NAME","62":{"05":"REF"}})
        and prints the payload with its CRC appended. Objects that break the EMVCo MPM data
        object table (format N/ans/S, length, listed values, mandatory 26–51 GUI, 52, 53, 58,
        59, 60) are refused with one line naming the ID (62.05 inside a template).

examples:
  pos qr decode '000201010212520454115303156540523.725802CN5914BEST TRANSPORT6007BEIJING6304DF22'
  pos qr decode 134567890123456789
  pos qr encode '{"01":"12","26":{"00":"D15600000000"},"52":"5411","53":"156","54":"23.72","58":"CN","59":"BEST TRANSPORT","60":"BEIJING"}'`;

/** A consumer-presented payload's objects with the PAN and track tags masked (protocols/mask.ts). */
function maskCpm(object: TlvObject): TlvObject {
  const out: TlvObject = {};
  const keys = orderedKeys(object);
  for (const key of keys) {
    const value = object[key]!;
    out[key] = typeof value === 'string' ? maskEmvValue(key.split('#')[0]!, Buffer.from(value, 'hex')) : maskCpm(value);
  }
  return withKeyOrder(out, keys);
}

/** The --rules file's rules; a file that cannot be read or holds bad rules is one line naming it (exit 2). */
function readRules(path: string): PaymentCodeRule[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`--rules: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  parseJson(text, `--rules ${path}`);
  try {
    return parsePaymentCodeRules(text);
  } catch (error) {
    throw new CliError(`--rules ${path}: ${(error as Error).message}`);
  }
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, { rules: { type: 'string' }, reveal: { type: 'boolean' } });
  const [action, input] = positionals;
  if (values.help || !action) {
    io.out(help);
    return values.help ? 0 : 2;
  }
  atMost(positionals, 2);
  // Checked before the payload, whatever kind it turns out to be.
  const rules = values.rules === undefined ? undefined : readRules(values.rules);
  const text = await readInput(input, io, action === 'encode' ? 'JSON' : 'payload');
  try {
    if (action === 'decode') {
      if (text.startsWith('000201')) {
        const { objects, crc } = decodeMpm(text);
        io.out(stringifyOrdered({ kind: 'emvco-merchant-presented', crc, objects }));
      } else if (startsAsCpm(text)) {
        // A damaged one fails here with its decode error (tag, byte offset), not as "not a payment code".
        const objects = decodeCpm(text);
        io.out(stringifyOrdered({ kind: 'emvco-consumer-presented', scheme: 'EMVCPM', objects: values.reveal ? objects : maskCpm(objects) }));
      } else {
        const result = paymentCodeClassifier(rules).classify(text);
        if (result.scheme === undefined) throw new CliError(`not a payment code: ${result.reason}`);
        printJson(io, { kind: 'payment-code', scheme: result.scheme, rule: result.rule, length: text.length });
      }
      return 0;
    }
    if (action === 'encode') {
      io.out(encodeMpm(parseJson(text, 'JSON') as MpmObject));
      return 0;
    }
  } catch (error) {
    if (error instanceof DecodeError) throw new CliError(error.message);
    throw error;
  }
  throw new CliError(`unknown action ${quoted(action)} (decode or encode)`);
}
