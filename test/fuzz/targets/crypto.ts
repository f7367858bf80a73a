import { fromHex } from '../../../protocols/bytes.js';
import { CryptoError, decipherPinBlock, decodeKeyExchange, decodePinBlock, desEcb, encodeKeyExchange, kcv, unwrapTr31, unwrapWorkingKeys } from '../../../protocols/crypto/index.js';
import { DecodeError } from '../../../protocols/errors.js';
import type { FuzzTarget } from '../harness.js';

const typed = (error: unknown) => error instanceof CryptoError || error instanceof DecodeError;

// psec / X9.24 PIN block vectors; TR-31:2018 A.7.4 and payShield key blocks (see test/crypto).
const pinSeeds = ['041261AAAAEDCBA9', '341261AAAAEDCBA9', '141234ABCDEF0123', '041274EDCBA9876F', '441234AAAAAAAAAA2F69ADDE2E9E7ACE'].map((text) => fromHex(text));
const tr31Kbpk = fromHex('88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6');
const tr31Seeds = [
  'D0112P0AE00E0000B82679114F470F540165EDFBF7E250FCEA43F810D215F8D207E2E417C07156A27E8E31DA05F7425509593D03A457DC34',
  'D0144D0AN00N0000127862F945C2DED04530FAF7CDBC8B0BA10C7AA79BD5E0C2C5D6AC173BF588E4B19ACF1357178D50EA0AB193228E13958304FC6149632DFDCADF3A5B3D57E814',
  'C0096B0TX12S0100KS1800604B120F9292800000BFB9B689CB567E66FC3FEE5AD5F52161FC6545B9D60989015D02155C',
].map((text) => Buffer.from(text, 'latin1'));
const tmk = fromHex('0123456789ABCDEFFEDCBA9876543210');
// DE96 as a switch sends it: test TPK and TAK under the TMK with their true KCVs, so the decoder
// accepts the seed and mutations reach the unwrap and each KCV comparison, not just the first one.
const tpk = fromHex('1111111111111111AAAAAAAAAAAAAAAA');
const tak = fromHex('2222222222222222BBBBBBBBBBBBBBBB');
const keyExchangeSeed = encodeKeyExchange({ tpkUnderTmk: desEcb(tmk, tpk), tpkKcv: kcv(tpk), takUnderTmk: desEcb(tmk, tak), takKcv: kcv(tak) });

export const targets: FuzzTarget[] = [
  {
    name: 'crypto.decodePinBlock',
    seeds: pinSeeds,
    isExpectedError: typed,
    decode: (input) => {
      const format = ([0, 1, 3, 4] as const)[input.length % 4]!;
      return decodePinBlock(input, format, '5555555551234567');
    },
  },
  {
    name: 'crypto.decipherPinBlock(format 4)',
    seeds: [fromHex('CC17F65586BFD0953010226C4FC5B3CA')],
    isExpectedError: typed,
    decode: (input) => decipherPinBlock(fromHex('C1D0F8FB4958670DBA40AB1F3752EF0D'), input, 4, '432198765432109870'),
  },
  { name: 'crypto.unwrapTr31', seeds: tr31Seeds, isExpectedError: typed, decode: (input) => unwrapTr31(input.toString('latin1'), tr31Kbpk) },
  {
    name: 'crypto.unwrapWorkingKeys',
    seeds: [keyExchangeSeed],
    isExpectedError: typed,
    decode: (input) => (input.length % 2 ? decodeKeyExchange(input) : unwrapWorkingKeys(input, tmk)),
  },
];
