import { fromHex } from '../../protocols/bytes.js';
import { DecodeError } from '../../protocols/errors.js';
import { maskEmvValue } from '../../protocols/mask.js';
import { decodeTlv, emvTagName, type Tlv } from '../../protocols/tlv/index.js';
import { atMost, CliError, parseOptions, printJson, quoted, readInput, type CliIo } from '../io.js';

const help = `usage: pos tlv decode [--reveal] HEX|-

Decodes BER-TLV (EMV Book 3 Annex B) and prints JSON: one entry per object with its tag, the
EMV dictionary name when known, and its value as hex, or its children for templates.
The PAN (5A) and track data (57, 56, 9F6B) show only the masked PAN; 9F1F, 9F20, 99 and the
cardholder name (5F20, 9F0B) only
stars, as pos iso8583 decode shows them inside DE55; --reveal shows them in clear.

example:
  pos tlv decode 77099F2701809F36020001`;

interface TlvJson {
  tag: string;
  name?: string;
  value?: string;
  children?: TlvJson[];
}

function toJson(item: Tlv, reveal: boolean): TlvJson {
  const name = emvTagName(item.tag);
  const json: TlvJson = { tag: item.tag, ...(name ? { name } : {}) };
  if (item.children) json.children = item.children.map((child) => toJson(child, reveal));
  else json.value = reveal ? item.value.toString('hex').toUpperCase() : maskEmvValue(item.tag, item.value);
  return json;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, { reveal: { type: 'boolean' } });
  const [action, input] = positionals;
  if (values.help || !action) {
    io.out(help);
    return values.help ? 0 : 2;
  }
  atMost(positionals, 2);
  if (action !== 'decode') throw new CliError(`unknown action ${quoted(action)} (decode)`);
  const bytes = fromHex(await readInput(input, io, 'TLV hex'), 'TLV hex');
  try {
    printJson(io, decodeTlv(bytes).map((item) => toJson(item, values.reveal === true)));
  } catch (error) {
    if (error instanceof DecodeError) throw new CliError(error.message);
    throw error;
  }
  return 0;
}
