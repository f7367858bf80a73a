// npm run bench:mac [-- --json] [--seconds N] [--bytes N]
// The message MAC (ISO 9797-1 algorithm 3, padding 1, 8 bytes) over a 180-byte MAC input, about a
// sale 0200's, with a prepared key as the switch's HSM simulator and `pos load` use it:
//   - ours: RetailMacKey on the TypeScript DES core (protocols/crypto/des.ts), no OpenSSL call;
//   - the previous construction, kept here as the peer: OpenSSL DES-EDE3-CBC with KL‖KL‖KL for the
//     chain (single DES as three DES operations) and DES-EDE3 with KL‖KR‖KL for the last block;
//   - with `node --openssl-legacy-provider --import tsx bench/mac.ts`: the same with OpenSSL's
//     single-DES des-cbc for the chain (Node 20 has it only in the legacy provider).
// Also a one-shot retailMac (key prepared per call, as EMV cryptograms use it) against the previous
// construction created per call. Every peer must give the same MACs before it is timed; rounds
// alternate between peers and the median round is reported.
import { createCipheriv, randomBytes, type Cipher } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { numberOption } from '../cli/io.js';
import { RetailMacKey } from '../protocols/crypto/index.js';
import { benchOptions } from './support/options.js';

const options = benchOptions(
  'bench:mac',
  'npm run bench:mac [-- --json] [--seconds N] [--bytes N]',
  { json: { type: 'boolean' }, seconds: { type: 'string' }, bytes: { type: 'string' } },
  (values) => ({
    json: values.json === true,
    seconds: numberOption(values.seconds as string | undefined, 'seconds', { min: 0.1, max: 3600, decimals: true }, 4),
    bytes: numberOption(values.bytes as string | undefined, 'bytes', { min: 0, max: 65536 }, 180),
  }),
);
const { seconds, bytes } = options;
const legacy = process.execArgv.includes('--openssl-legacy-provider');

/** The retail MAC as it was before the DES core (commit 10dbdfe), with the CBC chain's cipher name as a parameter. */
class OpensslRetailMacKey {
  readonly #cbc: Cipher;
  readonly #last: Cipher;
  #chain = Buffer.alloc(8);

  constructor(key: Buffer, chain: 'des-ede3-cbc' | 'des-cbc' = 'des-ede3-cbc') {
    const kl = key.subarray(0, 8);
    this.#cbc = createCipheriv(chain, chain === 'des-cbc' ? kl : Buffer.concat([kl, kl, kl]), Buffer.alloc(8)).setAutoPadding(false);
    this.#last = createCipheriv('des-ede3', Buffer.concat([key, kl]), null).setAutoPadding(false);
  }

  mac(data: Buffer): Buffer {
    const padded = Buffer.alloc(Math.max(8, Math.ceil(data.length / 8) * 8));
    data.copy(padded);
    const head = padded.length - 8;
    const x = padded.subarray(head);
    if (head > 0) {
      for (let i = 0; i < 8; i++) padded[i]! ^= this.#chain[i]!;
      const cbc = this.#cbc.update(padded.subarray(0, head));
      this.#chain = cbc.subarray(head - 8);
      for (let i = 0; i < 8; i++) x[i]! ^= this.#chain[i]!;
    }
    return this.#last.update(x);
  }
}

interface Peer {
  name: string;
  mac(data: Buffer): Buffer;
}

const key = randomBytes(16);
const messages = Array.from({ length: 64 }, () => randomBytes(bytes)); // different data each call, as in the switch
const ours = new RetailMacKey(key);
const previous = new OpensslRetailMacKey(key);
const peers: Peer[] = [
  { name: 'ours: TypeScript DES', mac: (data) => ours.mac(data) },
  { name: 'previous: OpenSSL DES-EDE3 (KL‖KL‖KL chain)', mac: (data) => previous.mac(data) },
];
if (legacy) {
  const single = new OpensslRetailMacKey(key, 'des-cbc');
  peers.push({ name: 'OpenSSL des-cbc chain (legacy provider)', mac: (data) => single.mac(data) });
}
const oneShot: Peer[] = [
  { name: 'one-shot retailMac, ours', mac: (data) => new RetailMacKey(key).mac(data) },
  { name: 'one-shot, previous construction', mac: (data) => new OpensslRetailMacKey(key).mac(data) },
];

for (const peer of [...peers, ...oneShot]) {
  for (const message of messages) {
    if (!peer.mac(message).equals(ours.mac(message))) throw new Error(`${peer.name} gives a different MAC`);
  }
}

/** µs per MAC over one round of about `ms` milliseconds. */
function round(peer: Peer, ms: number): number {
  let calls = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(Math.round(ms * 1e6));
  let now = start;
  while (now < until) {
    for (let i = 0; i < 1000; i++) peer.mac(messages[i & 63]!);
    calls += 1000;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / 1000 / calls;
}

function measure(group: Peer[]): Map<string, number> {
  const rounds = 9;
  const samples = new Map(group.map((peer) => [peer.name, [] as number[]]));
  for (const peer of group) round(peer, 200); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const peer of group) samples.get(peer.name)!.push(round(peer, (seconds * 1000) / rounds / (peers.length + oneShot.length)));
  }
  return new Map([...samples].map(([name, s]) => [name, s.sort((a, b) => a - b)[(rounds - 1) >> 1]!]));
}

const prepared = measure(peers);
const once = measure(oneShot);
const usOurs = prepared.get(peers[0]!.name)!;
const result = {
  bytes,
  cores: cpus().length,
  loadAverage: loadavg()[0]!,
  node: process.version,
  usPerMac: Object.fromEntries([...prepared, ...once]),
  ratio: prepared.get(peers[1]!.name)! / usOurs,
  ratioLegacy: legacy ? prepared.get(peers[2]!.name)! / usOurs : null,
  ratioOneShot: once.get(oneShot[1]!.name)! / once.get(oneShot[0]!.name)!,
};

if (options.json) {
  console.log(JSON.stringify(result));
} else {
  console.log(`message MAC over ${bytes} bytes, prepared key; ${result.cores} cores, load ${result.loadAverage.toFixed(2)}, Node ${result.node}`);
  for (const [name, us] of [...prepared, ...once]) console.log(`  ${name.padEnd(46)} ${us.toFixed(2).padStart(7)} µs/MAC`);
  console.log(`previous / ours: ${result.ratio.toFixed(1)}×${legacy ? `; des-cbc / ours: ${result.ratioLegacy!.toFixed(1)}×` : ''}; one-shot: ${result.ratioOneShot.toFixed(1)}×`);
}
