import { DecodeError } from '../../protocols/errors.js';
import { parseOrdered, stringifyOrdered } from '../../protocols/ordered-json.js';
import { fromHex } from '../../protocols/bytes.js';
import { Deframer, frame, lengthHeaders, type LengthHeader } from '../../protocols/framing/index.js';
import { IsoMessage } from '../../protocols/iso8583/index.js';
import { atMost, CliError, numberOption, parseJson, parseOptions, quoted, readInput, type CliIo } from '../io.js';
import { resolveSpec } from '../spec-option.js';

const help = `usage: pos iso8583 decode [--spec NAME|FILE.json] [--framing none|binary2|bcd2|ascii4] [--header-bytes N] [--reveal] HEX|-
       pos iso8583 encode [--spec NAME|FILE.json] [--framing none|binary2|bcd2|ascii4] JSON|-

decode  prints one JSON object {"mti", "header"?, "fields", "warnings"?}: text fields as characters,
        binary fields as uppercase hex, composite fields (DE55 EMV tags, subfields) as nested objects;
        "warnings" names what decodes but no encoder should send (an empty secondary or tertiary bitmap).
        PAN, tracks, PIN block and keys are masked unless --reveal.
encode  takes that JSON shape and prints the packed message as uppercase hex.

  --spec NAME|FILE.json   default, iso87ascii, iso87binary, iso93ascii, iso93binary, or a JSON spec
                          (docs/iso8583-spec-json.md); default: default
  --framing KIND          a length header before the message (default none)
  --header-bytes N        bytes before the MTI (a TPDU); default: what the spec says
  --reveal                show PAN, tracks and secrets in clear

examples:
  pos iso8583 decode --spec iso93ascii 31313030373030303030303030303030303030303033313233303030303131303030303030303030303132
  pos iso8583 encode --spec iso87ascii '{"mti":"0800","fields":{"11":"000001","70":"301"}}'`;

const options = {
  spec: { type: 'string' },
  framing: { type: 'string' },
  'header-bytes': { type: 'string' },
  reveal: { type: 'boolean' },
} as const;

const headerSize: Record<Exclude<LengthHeader, 'none'>, number> = { binary2: 2, bcd2: 2, ascii4: 4 };

function framingOf(value: string | undefined): LengthHeader {
  const framing = (value ?? 'none') as LengthHeader;
  if (!lengthHeaders.includes(framing)) throw new CliError(`--framing: must be one of ${lengthHeaders.join(', ')}`);
  return framing;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, options);
  const [action, input] = positionals;
  if (values.help || !action) {
    io.out(help);
    return values.help ? 0 : 2;
  }
  atMost(positionals, 2);
  let spec = resolveSpec(values.spec);
  const framing = framingOf(values.framing);
  if (values['header-bytes'] !== undefined) {
    // numberOption: Number() took '', '0x2' and '1e0' as header lengths.
    spec = { ...spec, headerLength: numberOption(values['header-bytes'], 'header-bytes', { min: 0, max: 64, unit: 'bytes' }, 0) };
  }

  if (action === 'decode') {
    let bytes = fromHex(await readInput(input, io, 'message hex'), 'message hex');
    if (framing !== 'none') {
      const messages = new Deframer({ length: framing, maxMessageLength: 65535 }).push(bytes);
      const size = headerSize[framing];
      if (messages.length === 0) throw new CliError(`--framing ${framing}: the ${size}-byte length header announces more than the ${Math.max(0, bytes.length - size)} bytes that follow it`);
      // Bytes after the one framed message (a second message, or garbage) are not silently dropped.
      const after = bytes.length - size - messages[0]!.length;
      if (after > 0) throw new CliError(`--framing ${framing}: ${after} bytes after the framed message (at byte ${bytes.length - after}); decode one message at a time`);
      bytes = messages[0]!;
    }
    try {
      io.out(stringifyOrdered(IsoMessage.unpack(spec, bytes).toJSON({ reveal: values.reveal === true })));
    } catch (error) {
      if (error instanceof DecodeError) throw new CliError(error.message);
      throw error;
    }
    return 0;
  }

  if (action === 'encode') {
    const text = await readInput(input, io, 'message JSON');
    let json: { mti: string; header?: string; fields: Record<string, unknown> };
    parseJson(text, 'message JSON'); // its error, with positions in the text as typed
    json = parseOrdered(text) as typeof json;
    if (typeof json?.mti !== 'string' || typeof json.fields !== 'object' || json.fields === null) throw new CliError('message JSON: needs "mti" and "fields"');
    // parseOrdered kept the JSON's key order, which fromJSON follows: DE55's tags pack as written.
    const message = IsoMessage.fromJSON(spec, { mti: json.mti, fields: json.fields as Record<string, unknown> });
    if (json.header !== undefined) message.header = fromHex(String(json.header), 'message JSON header');
    const packed = message.pack();
    io.out((framing === 'none' ? packed : frame(packed, { length: framing, maxMessageLength: 65535 })).toString('hex').toUpperCase());
    return 0;
  }
  throw new CliError(`unknown action ${quoted(action)} (decode or encode)`);
}
