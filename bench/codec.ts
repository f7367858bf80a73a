// npm run bench:codec [-- --json] [--seconds N]
// Packs and unpacks a representative 0200 (25 fields, a 200-byte DE55) with our codec and, in the
// same process, with the npm packages iso_8583 (zemuldo) and iso8583 (reekoheek). The peers pack
// text only, so the shared workload is ISO 8583:1987 ASCII with DE55 as 400 hex characters in an
// LLLVAR field; our `default` binary profile (BCD, DE55 as BER-TLV) is measured on its own line.
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { IsoMessage, specs } from '../protocols/iso8583/index.js';
import { decodeTlv, encodeTlv } from '../protocols/tlv/index.js';
import { numberOption } from '../cli/io.js';
import { benchOptions } from './support/options.js';

const values = benchOptions(
  'bench:codec',
  'npm run bench:codec [-- --json] [--seconds N]',
  { json: { type: 'boolean' }, seconds: { type: 'string' } },
  (options) => ({ json: options.json === true, seconds: numberOption(options.seconds as string | undefined, 'seconds', { min: 0.1, max: 3600, decimals: true }, 1.5) }),
);
const seconds = values.seconds;
const require = createRequire(import.meta.url);

// A contactless ARQC's DE55 (terminal-protocols.md §5.7 tag list), padded to 200 bytes with a private tag.
const emvTags: Array<[string, string]> = [
  ['9F26', 'A1B2C3D4E5F60718'], ['9F27', '80'], ['9F10', '06010A03A00000'], ['9F37', 'A1B2C3D4'], ['9F36', '0001'],
  ['95', '0000000000'], ['9A', '241124'], ['9C', '00'], ['9F02', '000000001234'], ['5F2A', '0156'], ['82', '3900'],
  ['9F1A', '0156'], ['9F03', '000000000000'], ['9F33', 'E0F8C8'], ['9F34', '1E0300'], ['9F35', '22'], ['9F09', '008C'],
  ['84', 'A0000000031010'], ['9F1E', '3132333435363738'], ['9F41', '00000001'],
];
const emv = encodeTlv(emvTags.map(([tag, hex]) => ({ tag, value: Buffer.from(hex, 'hex') })));
const de55 = Buffer.concat([emv, encodeTlv([{ tag: 'DF7F', value: Buffer.alloc(200 - emv.length - 3, 0x5a) }])]);
if (de55.length !== 200) throw new Error(`DE55 is ${de55.length} bytes`);

const textFields: Record<string, string> = {
  2: '4761739001010010',
  3: '000000',
  4: '000000001234',
  7: '1124121314',
  11: '000001',
  12: '121314',
  13: '1124',
  14: '2512',
  18: '5411',
  22: '071',
  23: '001',
  25: '00',
  32: '12345678',
  35: '4761739001010010=25122011143804400000',
  37: '432812000001',
  38: '123456',
  39: '00',
  41: 'TERM0001',
  42: 'MERCHANT0000001',
  43: 'ACME SUPERMARKET'.padEnd(23) + 'SHANGHAI'.padEnd(13) + 'CN'.padEnd(4),
  49: '156',
  54: '1001156C000000100000',
  55: de55.toString('hex').toUpperCase(),
  60: '22000001000',
  62: 'INVOICE 000123',
};

interface Codec {
  name: string;
  pack(): Buffer | string;
  unpack(wire: Buffer | string): unknown;
  /** Fields 2, 35 and 55 as the codec decoded them, to prove the round trip before timing it. */
  check(decoded: unknown): string[];
}

const textEntries = Object.entries(textFields);

function ours(): Codec {
  const spec = specs.iso87ascii;
  const build = () => {
    const message = new IsoMessage(spec, '0200');
    for (const [id, value] of textEntries) message.set(id, value);
    return message.pack();
  };
  return {
    name: 'ours (iso87ascii)',
    pack: build,
    unpack: (wire) => IsoMessage.unpack(spec, wire as Buffer),
    check: (decoded) => ['2', '35', '55'].map((id) => (decoded as IsoMessage).getString(id)!),
  };
}

function oursDefault(): Codec {
  const spec = specs.default;
  const emvItems = decodeTlv(de55).map((item) => [`55.${item.tag}`, item.value] as const);
  const build = () => {
    const message = new IsoMessage(spec, '0200');
    for (const [id, value] of textEntries) {
      if (id === '55') for (const [path, bytes] of emvItems) message.set(path, bytes);
      else if (id === '60') message.set('60.1', '22').set('60.2', '000001').set('60.3', '000');
      else if (spec.fields[id]) message.set(id, value);
    }
    message.header = Buffer.from('6000010000', 'hex');
    return message.pack();
  };
  return {
    name: 'ours (default: BCD, DE55 as BER-TLV)',
    pack: build,
    unpack: (wire) => IsoMessage.unpack(spec, wire as Buffer),
    check: (decoded) => {
      const message = decoded as IsoMessage;
      const emvData = new IsoMessage(spec, '0200').set('55', message.get('55')!).pack().subarray(-200);
      return [message.getString('2')!, message.getString('35')!, emvData.toString('hex').toUpperCase()];
    },
  };
}

function zemuldo(): Codec {
  const Iso = require('iso_8583');
  const data = { 0: '0200', ...textFields };
  return {
    name: 'iso_8583 2.6.7',
    // getBufferMessage adds the 2-byte length that getIsoJSON expects back.
    pack: () => new Iso(data).getBufferMessage(),
    unpack: (wire) => new Iso().getIsoJSON(wire, {}),
    check: (decoded) => ['2', '35', '55'].map((id) => (decoded as Record<string, string>)[id]!),
  };
}

function reekoheek(): Codec {
  const lib = require('iso8583');
  // Its built-in packager lacks most of these fields; this describes them with its own types.
  const packager = { ...lib.defaultPackager };
  const add = (id: number, type: string, length: number) => (packager[id] = { type, length, name: `field ${id}` });
  for (const [id, length] of [[14, 4], [18, 4], [22, 3], [23, 3], [25, 2]] as const) add(id, 'n', length);
  add(35, 'lln', 37);
  add(42, 'ans', 15);
  add(43, 'ans', 40);
  add(55, 'lllan', 999);
  add(60, 'lllan', 999);
  add(62, 'lllan', 999);
  const data = { 0: '0200', 1: '', ...textFields }; // it writes a bitmap only when key 1 is present
  return {
    name: 'iso8583 0.0.1',
    pack: () => new lib.ISO8583(packager).pack({ ...data }),
    unpack: (wire) => new lib.ISO8583(packager).unpack(wire),
    check: (decoded) => ['2', '35', '55'].map((id) => (decoded as Record<string, string>)[id]!),
  };
}

function measure(fn: () => unknown): number {
  for (let i = 0; i < 2000; i++) fn(); // warm up
  let runs = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  while (performance.now() < deadline) {
    for (let i = 0; i < 200; i++) fn();
    runs += 200;
  }
  return Math.round(runs / ((performance.now() - started) / 1000));
}

interface Result {
  name: string;
  packOps: number;
  unpackOps: number;
  bothOps: number;
  bytes: number;
  error?: string;
}

function bench(codec: Codec): Result {
  try {
    const wire = codec.pack();
    const decoded = codec.check(codec.unpack(wire));
    const expected = [textFields[2], textFields[35], textFields[55]];
    if (decoded.join() !== expected.join()) throw new Error(`round trip changed the data: ${decoded.map((v) => String(v).slice(0, 24)).join(', ')}`);
    return {
      name: codec.name,
      packOps: measure(() => codec.pack()),
      unpackOps: measure(() => codec.unpack(wire)),
      bothOps: measure(() => codec.unpack(codec.pack())),
      bytes: Buffer.byteLength(wire as never),
    };
  } catch (error) {
    return { name: codec.name, packOps: 0, unpackOps: 0, bothOps: 0, bytes: 0, error: (error as Error).message.split('\n')[0]! };
  }
}

const quiet = console.error;
console.error = () => {}; // reekoheek's iso8583 prints its own errors
const results = [ours(), zemuldo(), reekoheek(), oursDefault()].map(bench);
console.error = quiet;

const [our, ...rest] = results;
const peers = rest.filter((r) => !r.name.startsWith('ours') && !r.error);
const best = peers.reduce((a, b) => (b.bothOps > a.bothOps ? b : a), peers[0]!);
const ratio = best ? Number((our!.bothOps / best.bothOps).toFixed(1)) : null;
const report = { cores: cpus().length, node: process.version, seconds, results, bestPeer: best?.name ?? null, ratio };

if (values.json) console.log(JSON.stringify(report));
else {
  console.log(`ISO 8583 0200, 25 fields, 200-byte DE55 — ${report.cores} cores, node ${report.node}`);
  console.log(`${'codec'.padEnd(38)} ${'pack/s'.padStart(10)} ${'unpack/s'.padStart(10)} ${'both/s'.padStart(10)}  bytes`);
  for (const r of results)
    console.log(r.error ? `${r.name.padEnd(38)} failed: ${r.error}` : `${r.name.padEnd(38)} ${String(r.packOps).padStart(10)} ${String(r.unpackOps).padStart(10)} ${String(r.bothOps).padStart(10)}  ${r.bytes}`);
  console.log(`pack+unpack: ours is ${ratio}× the best peer (${report.bestPeer})`);
}
