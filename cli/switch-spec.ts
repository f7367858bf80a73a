/**
 * Whether a message spec can carry what `pos switch` exchanges with every terminal: a sign-on with its
 * key exchange (0800/0810) and a MAC'd card sale (0200/0210). Each field is packed with a value like
 * the switch's and read back. A spec that cannot (ISO 8583:1987's 16-byte DE96, ISO 8583:1993's
 * 3-digit action code in DE39, a spec without DE7) starts, then fails every terminal's first request.
 */
import { encodeKeyExchange } from '../protocols/crypto/key-exchange.js';
import { IsoMessage, type MessageSpec } from '../protocols/iso8583/index.js';

type Value = string | Buffer;

const mac = Buffer.from('A5A5A5A5A5A5A5A5', 'hex');
const keyExchange = encodeKeyExchange({ tpkUnderTmk: Buffer.alloc(16, 1), tpkKcv: Buffer.alloc(3, 2), takUnderTmk: Buffer.alloc(16, 3), takKcv: Buffer.alloc(3, 4) });

/** Field, what it is to the switch, a value of the switch's, and whether a spec may leave it out. */
const fields: Array<[id: number, role: string, value: Value, optional?: 'optional']> = [
  [2, 'PAN (or field 35, track 2)', '4761739001010010'],
  [3, 'processing code', '000000'],
  [4, 'amount', '000000001234'],
  [7, 'transmission date and time, part of the request key', '1128043612'],
  [11, 'STAN', '000001'],
  [14, 'expiry date', '3012', 'optional'],
  [22, 'entry mode', '051', 'optional'],
  [25, 'condition code', '00', 'optional'],
  [35, 'track 2', '4761739001010010=30122011234567890', 'optional'],
  [37, 'RRN', '000000000001'],
  [38, 'authorization code', '123456'],
  [39, 'response code, 2 characters', '00'],
  [41, 'terminal ID', 'T0000001'],
  [42, 'merchant ID', 'M00000000000001', 'optional'],
  [49, 'currency', '156', 'optional'],
  [52, 'PIN block', Buffer.alloc(8, 0x5a), 'optional'],
  [64, 'MAC', mac],
  [70, 'network management code', '001'],
  [96, 'key exchange: TPK and TAK under the TMK', keyExchange],
];

const shown = (value: Value) => (typeof value === 'string' ? `'${value}'` : `${value.length} bytes`);
const same = (a: unknown, b: Value) => (typeof b === 'string' ? a === b : Buffer.isBuffer(a) && a.equals(b));

/**
 * The first field the switch needs that `spec` lacks or cannot carry, as one line; undefined for a
 * usable spec. The fields every terminal's sign-on and sale carry come first, then those the switch
 * reads when a spec has them (a spec may leave them out, not define them otherwise).
 */
export function switchSpecProblem(spec: MessageSpec): string | undefined {
  for (const [id, role, value, optional] of [...fields.filter((f) => !f[3]), ...fields.filter((f) => f[3])]) {
    const defined = spec.fields[id] !== undefined;
    if (!defined && (optional || (id === 2 && spec.fields[35]))) continue;
    if (!defined) return `field ${id} (${role}) not defined`;
    const problem = check(() => {
      const got = IsoMessage.unpack(spec, new IsoMessage(spec, '0210').set(String(id), value).pack()).get(String(id));
      return same(got, value) ? undefined : `${shown(value)} reads back as ${got === undefined ? 'nothing' : typeof got === 'string' || Buffer.isBuffer(got) ? shown(got) : 'subfields'}`;
    });
    if (problem) return `field ${id} (${role}): ${problem}`;
  }
  // The switch MACs every byte before the last 8 and checks those 8 against its own.
  const bytes = new IsoMessage(spec, '0200').set('64', mac).pack();
  return bytes.subarray(-8).equals(mac) ? undefined : 'field 64 (MAC): not the last 8 bytes as sent (fixed 8 bytes, binary)';
}

/** A packing or unpacking error is the spec's problem too: its reason, without the field name said again. */
function check(attempt: () => string | undefined): string | undefined {
  try {
    return attempt();
  } catch (error) {
    return (error as { reason?: string }).reason ?? (error as Error).message;
  }
}
