import { fromHex, toHex } from '../../protocols/bytes.js';
import {
  aesCmac,
  aesDukptKeys,
  arpcMethod1,
  arpcMethod2,
  cbcMac,
  commonSessionKey,
  CryptoError,
  decipherPinBlock,
  decodePinBlock,
  encipherPinBlock,
  encodePinBlock,
  generateArqc,
  iccMasterKey,
  kcv,
  mastercardSessionKey,
  nextAesKsn,
  nextTdesKsn,
  retailMac,
  sessionKeyFromR,
  tdesDukptKeys,
  tdesKsnCounter,
  aesKsnCounter,
  unwrapTr31,
  verifyArqc,
  wrapTr31,
  type AesDukptKeyType,
  type PaddingMethod,
  type PinBlockFormat,
} from '../../protocols/crypto/index.js';
import { atMost, CliError, numberOption, parseOptions, printJson, quoted, type CliIo } from '../io.js';

const helps: Record<string, string> = {
  '': `usage: pos crypto dukpt|pinblock|mac|kcv|emv|tr31 … [--help]

Payment cryptography calculators (docs/crypto.md). Every action prints JSON; hex is uppercase.
This is a calculator: it prints the keys and PINs you ask it for. Use test keys only.

  dukpt            TDES or AES DUKPT keys of a KSN
  pinblock encode  ISO 9564 PIN block, formats 0 1 3 4 (enciphered with --key)
  pinblock decode  the PIN of a PIN block
  mac              ISO 9797-1 MAC algorithm 1 or 3, or AES-CMAC
  kcv              key check value
  emv              derive-icc-key | session-key | arqc | arpc
  tr31             wrap | unwrap (version D)

example:
  pos crypto dukpt --bdk 0123456789ABCDEFFEDCBA9876543210 --ksn FFFF9876543210E00001`,
  dukpt: `usage: pos crypto dukpt --bdk HEX --ksn HEX [--type tdes|aes128|aes256] [--working-key-type aes128|aes256|tdes2|tdes3]

TDES DUKPT (X9.24-1:2009; 10-byte KSN): IPEK, transaction key and the PIN, MAC and data variants.
AES DUKPT (X9.24-3-2017; 12-byte KSN): initial key, transaction key and the PIN/MAC/data working
keys (of the BDK's size unless --working-key-type). --type defaults from the KSN length.

example:
  pos crypto dukpt --bdk 0123456789ABCDEFFEDCBA9876543210 --ksn FFFF9876543210E00001
  pos crypto dukpt --type aes128 --bdk FEDCBA9876543210F1F1F1F1F1F1F1F1 --ksn 123456789012345600000001`,
  pinblock: `usage: pos crypto pinblock encode --format 0|1|3|4 --pin PIN --pan PAN [--key HEX]
       pos crypto pinblock decode --format 0|1|3|4 --block HEX --pan PAN [--key HEX]

ISO 9564-1 PIN blocks. Formats 0, 1, 3 are 8 bytes (TDES key); format 4 is 16 bytes (AES key) and
is only meaningful enciphered. Without --key, encode prints the clear block (format 4: the PIN field)
and decode reads a clear block.

example:
  pos crypto pinblock encode --format 0 --pin 1234 --pan 4012345678909 --key 0123456789ABCDEFFEDCBA9876543210`,
  mac: `usage: pos crypto mac --alg retail|cbc|cmac --key HEX --data HEX [--padding 1|2|3] [--length BYTES]

retail: ISO 9797-1 algorithm 3 (ANSI X9.19), 16-byte key; cbc: algorithm 1 with DES/TDES;
cmac: AES-CMAC (its own padding; --padding does not apply). Padding defaults to 1.
--length: 4 to 8 bytes for retail/cbc (default 8), 4 to 16 for cmac (default 16).
--data '' is the empty message.

example:
  pos crypto mac --alg retail --key 41414141414141414242424242424242 --padding 1 --data 68656C6C6F20776F726C64`,
  kcv: `usage: pos crypto kcv --key HEX [--alg tdes|aes] [--length BYTES]

Key check value: TDES E(K, 0…0), AES CMAC(K, 0…0); 3 bytes by default, at most one block (8 or 16).

example:
  pos crypto kcv --key 0123456789ABCDEFFEDCBA9876543210`,
  emv: `usage: pos crypto emv derive-icc-key --imk HEX --pan PAN [--psn NN]
       pos crypto emv session-key --mk HEX (--atc HEX [--un HEX] | --r HEX)
       pos crypto emv arqc --key HEX --data HEX [--padding 1|2] [--verify HEX]   (exit 1 when it does not verify)
       pos crypto emv arpc --key HEX --arqc HEX (--arc HEX | --csu HEX [--pad HEX])

ICC master key by Option A; the EMV common session key (R = ATC‖00…), the Mastercard SKD key
(with --un: R = ATC‖0000‖UN) or any R; ARQC with ISO 9797-1 alg 3, --padding 1 (CVN 10) or 2
(CVN 16/18), default 2 (pos crypto mac's default is 1); ARPC method 1 (--arc) or method 2 (--csu).

example:
  pos crypto emv derive-icc-key --imk 0123456789ABCDEFFEDCBA9876543210 --pan 9901234567890123 --psn 45`,
  tr31: `usage: pos crypto tr31 wrap --kbpk HEX --key HEX [--usage P0] [--algorithm A] [--mode E] [--version 00] [--export E]
       pos crypto tr31 unwrap --kbpk HEX --block TEXT

TR-31 / X9.143 key blocks, version D (AES KBPK of 16, 24 or 32 bytes).

example:
  pos crypto tr31 unwrap --kbpk 88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6 \\
    --block D0112P0AE00E0000B82679114F470F540165EDFBF7E250FCEA43F810D215F8D207E2E417C07156A27E8E31DA05F7425509593D03A457DC34`,
};

const options = {
  bdk: { type: 'string' },
  ksn: { type: 'string' },
  type: { type: 'string' },
  'working-key-type': { type: 'string' },
  format: { type: 'string' },
  pin: { type: 'string' },
  pan: { type: 'string' },
  psn: { type: 'string' },
  key: { type: 'string' },
  block: { type: 'string' },
  alg: { type: 'string' },
  padding: { type: 'string' },
  data: { type: 'string' },
  length: { type: 'string' },
  imk: { type: 'string' },
  mk: { type: 'string' },
  atc: { type: 'string' },
  un: { type: 'string' },
  r: { type: 'string' },
  verify: { type: 'string' },
  arqc: { type: 'string' },
  arc: { type: 'string' },
  csu: { type: 'string' },
  pad: { type: 'string' },
  kbpk: { type: 'string' },
  usage: { type: 'string' },
  algorithm: { type: 'string' },
  mode: { type: 'string' },
  version: { type: 'string' },
  export: { type: 'string' },
} as const;

type Values = Partial<Record<keyof typeof options, string>>;
type Name = keyof typeof options;

/**
 * The options each action reads. The options are shared by all actions, so without this one that an
 * action does not read would be ignored silently: `kcv --type aes` printed the TDES check value of an
 * AES key (the option is --alg).
 */
const accepted: Record<string, readonly Name[]> = {
  dukpt: ['bdk', 'ksn', 'type', 'working-key-type'],
  'pinblock encode': ['format', 'pin', 'pan', 'key'],
  'pinblock decode': ['format', 'block', 'pan', 'key'],
  mac: ['alg', 'key', 'data', 'padding', 'length'],
  kcv: ['key', 'alg', 'length'],
  'emv derive-icc-key': ['imk', 'pan', 'psn'],
  'emv session-key': ['mk', 'atc', 'un', 'r'],
  'emv arqc': ['key', 'data', 'padding', 'verify'],
  'emv arpc': ['key', 'arqc', 'arc', 'csu', 'pad'],
  'tr31 wrap': ['kbpk', 'key', 'usage', 'algorithm', 'mode', 'version', 'export'],
  'tr31 unwrap': ['kbpk', 'block'],
};

/** An option the action does not read, or two that exclude each other, is refused (one line, exit 2). */
function checkOptions(action: string, values: Values): void {
  const allowed = accepted[action];
  if (!allowed) return; // unknown action: its own message names it
  const given = (Object.keys(values) as Name[]).filter((name) => values[name] !== undefined);
  const stray = given.find((name) => !allowed.includes(name));
  if (stray) throw new CliError(`--${stray}: not an option of pos crypto ${action} (it takes ${allowed.map((n) => `--${n}`).join(' ')})`);
  const exclusive: Array<[Name, Name]> = [['r', 'atc'], ['r', 'un'], ['arc', 'csu'], ['arc', 'pad']];
  for (const [a, b] of exclusive) if (values[a] !== undefined && values[b] !== undefined) throw new CliError(`--${a} and --${b}: give one or the other`);
}

function need(values: Values, name: keyof typeof options): string {
  const value = values[name];
  if (value === undefined || value === '') throw new CliError(`missing --${name}`);
  return value;
}

const hexOption = (values: Values, name: keyof typeof options) => fromHex(need(values, name), `--${name}`);
const optionalHex = (values: Values, name: keyof typeof options) => (values[name] === undefined ? undefined : hexOption(values, name));
/** A message to MAC: absent is an error, `--data ''` is the empty message (RFC 4493 example 1). */
function messageOption(values: Values): Buffer {
  if (values.data === undefined) throw new CliError('missing --data');
  return fromHex(values.data, '--data');
}

function choice<T extends string>(values: Values, name: keyof typeof options, allowed: readonly T[], fallback?: T): T {
  const value = values[name] ?? fallback;
  if (value === undefined) throw new CliError(`missing --${name} (${allowed.join('|')})`);
  if (!allowed.includes(value as T)) throw new CliError(`--${name} ${quoted(value)}: expected ${allowed.join('|')}`);
  return value as T;
}

type PaddingName = '1' | '2' | '3';
/** ISO 9797-1 padding: a MAC takes methods 1 to 3 (default 1); an ARQC only the 1 (CVN 10) or 2 (CVN 16/18) that cards use, default 2. */
const padding = (values: Values, allowed: readonly PaddingName[], fallback: PaddingName) => Number(choice(values, 'padding', allowed, fallback)) as PaddingMethod;

/**
 * The KSN after this one, or null for the device's last KSN (X9.24: no counter follows): that KSN's
 * keys are still valid (X9.24-3's vectors include counter FFFF0000), so they are printed, not refused.
 */
function lastOr(next: () => string): string | null {
  try {
    return next();
  } catch (error) {
    if (error instanceof CryptoError && /exhausted/.test(error.message)) return null;
    throw error;
  }
}

function dukpt(values: Values): object {
  const bdk = hexOption(values, 'bdk');
  const ksn = hexOption(values, 'ksn');
  const type = choice(values, 'type', ['tdes', 'aes128', 'aes256'], ksn.length === 12 ? (bdk.length === 32 ? 'aes256' : 'aes128') : 'tdes');
  if (type === 'tdes') {
    // Given with a TDES KSN (--type tdes, or a 10-byte KSN) it was ignored and the TDES keys printed.
    if (values['working-key-type'] !== undefined) throw new CliError('--working-key-type: AES DUKPT only (X9.24-3); TDES DUKPT keys are 16-byte TDES keys, not chosen by type');
    const keys = tdesDukptKeys(bdk, ksn);
    return {
      type,
      ksn: toHex(ksn),
      counter: tdesKsnCounter(ksn),
      nextKsn: lastOr(() => toHex(nextTdesKsn(ksn))),
      ipek: toHex(keys.ipek),
      transactionKey: toHex(keys.transactionKey),
      pin: toHex(keys.pin),
      macRequest: toHex(keys.macRequest),
      macResponse: toHex(keys.macResponse),
      dataRequest: toHex(keys.dataRequest),
      dataResponse: toHex(keys.dataResponse),
    };
  }
  const expected = type === 'aes128' ? 16 : 32;
  if (bdk.length !== expected) throw new CliError(`--bdk: ${bdk.length} bytes, expected ${expected} for ${type}`);
  const workingType = choice<AesDukptKeyType>(values, 'working-key-type', ['aes128', 'aes192', 'aes256', 'tdes2', 'tdes3'], type);
  const keys = aesDukptKeys(bdk, ksn, workingType);
  return {
    type,
    workingKeyType: workingType,
    ksn: toHex(ksn),
    counter: aesKsnCounter(ksn),
    nextKsn: lastOr(() => toHex(nextAesKsn(ksn))),
    initialKey: toHex(keys.initialKey),
    transactionKey: toHex(keys.transactionKey),
    pinEncryption: toHex(keys.pinEncryption),
    macGeneration: toHex(keys.macGeneration),
    macVerification: toHex(keys.macVerification),
    dataEncryption: toHex(keys.dataEncryption),
    dataDecryption: toHex(keys.dataDecryption),
  };
}

function pinblock(action: string | undefined, values: Values): object {
  const format = Number(choice(values, 'format', ['0', '1', '3', '4'])) as PinBlockFormat;
  const key = optionalHex(values, 'key');
  if (action === 'encode') {
    const input = { format, pin: need(values, 'pin'), ...(values.pan !== undefined ? { pan: values.pan } : {}) };
    const clear = encodePinBlock(input);
    return { format, [format === 4 ? 'pinField' : 'clear']: toHex(clear), ...(key ? { enciphered: toHex(encipherPinBlock(key, input)) } : {}) };
  }
  if (action === 'decode') {
    const block = hexOption(values, 'block');
    const pin = key ? decipherPinBlock(key, block, format, values.pan) : decodePinBlock(block, format, values.pan);
    return { format, pin };
  }
  throw new CliError(`unknown pinblock action ${quoted(action ?? '')} (encode|decode)`);
}

function mac(values: Values): object {
  const alg = choice(values, 'alg', ['retail', 'cbc', 'cmac']);
  const key = hexOption(values, 'key');
  const data = messageOption(values);
  if (alg === 'cmac' && values.padding !== undefined) throw new CliError('--padding: AES-CMAC pads by its own rule (RFC 4493); --padding is for retail and cbc');
  if (alg === 'cmac') return { alg, mac: toHex(aesCmac(key, data, numberOption(values.length, 'length', { min: 4, max: 16, unit: 'bytes (AES block)' }, 16))) };
  const method = padding(values, ['1', '2', '3'], '1');
  const length = numberOption(values.length, 'length', { min: 4, max: 8, unit: 'bytes (DES block)' }, 8);
  return { alg, padding: method, mac: toHex(alg === 'retail' ? retailMac(key, data, method, length) : cbcMac(key, data, method, length)) };
}

function emv(action: string | undefined, values: Values): object {
  if (action === 'derive-icc-key') {
    const mk = iccMasterKey(hexOption(values, 'imk'), need(values, 'pan'), values.psn ?? '00');
    return { iccMasterKey: toHex(mk), kcv: toHex(kcv(mk)) };
  }
  if (action === 'session-key') {
    const mk = hexOption(values, 'mk');
    const r = optionalHex(values, 'r');
    const un = optionalHex(values, 'un');
    const sk = r ? sessionKeyFromR(mk, r) : un ? mastercardSessionKey(mk, hexOption(values, 'atc'), un) : commonSessionKey(mk, hexOption(values, 'atc'));
    return { method: r ? 'R' : un ? 'mastercard-skd' : 'emv-csk', sessionKey: toHex(sk), kcv: toHex(kcv(sk)) };
  }
  if (action === 'arqc') {
    const key = hexOption(values, 'key');
    const data = hexOption(values, 'data');
    const method = padding(values, ['1', '2'], '2');
    const expected = optionalHex(values, 'verify');
    if (expected && expected.length !== 8) throw new CliError(`--verify: ${expected.length} bytes, an ARQC is 8`);
    return { arqc: toHex(generateArqc(key, data, method)), padding: method, ...(expected ? { verified: verifyArqc(key, data, expected, method) } : {}) };
  }
  if (action === 'arpc') {
    const key = hexOption(values, 'key');
    const arqc = hexOption(values, 'arqc');
    const arc = optionalHex(values, 'arc');
    if (arc) {
      const arpc = arpcMethod1(key, arqc, arc);
      return { method: 1, arpc: toHex(arpc), tag91: toHex(Buffer.concat([arpc, arc])) };
    }
    const csu = hexOption(values, 'csu');
    const pad = optionalHex(values, 'pad') ?? Buffer.alloc(0);
    const arpc = arpcMethod2(key, arqc, csu, pad);
    return { method: 2, arpc: toHex(arpc), tag91: toHex(Buffer.concat([arpc, csu, pad])) };
  }
  throw new CliError(`unknown emv action ${quoted(action ?? '')} (derive-icc-key|session-key|arqc|arpc)`);
}

function tr31(action: string | undefined, values: Values): object {
  const kbpk = hexOption(values, 'kbpk');
  if (action === 'wrap') {
    const key = hexOption(values, 'key');
    const algorithm = values.algorithm ?? 'A';
    const block = wrapTr31({
      kbpk,
      key,
      header: { usage: values.usage ?? 'P0', algorithm, modeOfUse: values.mode ?? 'E', versionNumber: values.version ?? '00', exportability: values.export ?? 'E' },
    });
    return { keyBlock: block, kcv: toHex(kcv(key, algorithm === 'A' ? 'aes' : 'tdes')) };
  }
  if (action === 'unwrap') {
    const { header, key } = unwrapTr31(need(values, 'block'), kbpk);
    return { header, key: toHex(key), kcv: toHex(kcv(key, header.algorithm === 'A' ? 'aes' : 'tdes')) };
  }
  throw new CliError(`unknown tr31 action ${quoted(action ?? '')} (wrap|unwrap)`);
}

function kcvOf(values: Values): object {
  const alg = choice<'tdes' | 'aes'>(values, 'alg', ['tdes', 'aes'], 'tdes');
  // The check value is the start of one encrypted block: longer than the block, it would be cut silently.
  const block = alg === 'aes' ? 16 : 8;
  return { kcv: toHex(kcv(hexOption(values, 'key'), alg, numberOption(values.length, 'length', { min: 1, max: block, unit: `bytes (${alg === 'aes' ? 'AES' : 'DES'} block)` }, 3))) };
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseOptions(args, options);
  const [command, action] = positionals;
  if (values.help || !command) {
    io.out(helps[command ?? ''] ?? helps['']!);
    return values.help ? 0 : 2;
  }
  atMost(positionals, ['pinblock', 'emv', 'tr31'].includes(command) ? 2 : 1);
  const v = values as Values;
  checkOptions(['pinblock', 'emv', 'tr31'].includes(command) ? `${command} ${action ?? ''}` : command, v);
  try {
    const result =
      command === 'dukpt' ? dukpt(v)
      : command === 'pinblock' ? pinblock(action, v)
      : command === 'mac' ? mac(v)
      : command === 'kcv' ? kcvOf(v)
      : command === 'emv' ? emv(action, v)
      : command === 'tr31' ? tr31(action, v)
      : undefined;
    if (!result) throw new CliError(`unknown action ${quoted(command)} (dukpt|pinblock|mac|kcv|emv|tr31)`);
    printJson(io, result);
    // A check that fails is a failure for scripts too (the JSON still says what was computed).
    return 'verified' in result && result.verified === false ? 1 : 0;
  } catch (error) {
    if (error instanceof CryptoError) throw new CliError(error.message);
    throw error;
  }
}
