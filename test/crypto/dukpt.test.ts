import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../protocols/bytes.js';
import {
  aesDukptInitialKey,
  aesDukptKeys,
  aesDukptTransactionKey,
  desCbc,
  desEcb,
  isValidAesKsn,
  isValidTdesKsn,
  nextAesKsn,
  nextTdesKsn,
  padIso9797,
  retailMac,
  tdesDukptKeys,
  tdesIpek,
  tdesTransactionKey,
} from '../../protocols/crypto/index.js';

const ascii = (text: string) => Buffer.from(text, 'latin1');

describe('TDES DUKPT (ANSI X9.24-1:2009 A.4, as in openemv/dukpt test/dukpt_tdes_test.c)', () => {
  const bdk = fromHex('0123456789ABCDEFFEDCBA9876543210');
  const iksn = fromHex('FFFF9876543210E00000');
  const ipek = tdesIpek(bdk, iksn);
  const pinBlock = fromHex('041274EDCBA9876F');

  it('IPEK', () => expect(toHex(ipek)).toBe('6AC292FAA1315B4D858AB3A3D7D5933A'));

  // A.4.2 initial sequence: KSN, transaction key, encrypted PIN block (PIN variant)
  const initial: [string, string, string][] = [
    ['E00001', '042666B49184CFA368DE9628D0397BC9', '1B9C1845EB993A7A'],
    ['E00002', 'C46551CEF9FD24B0AA9AD834130D3BC7', '10A01C8D02C69107'],
    ['E00003', '0DF3D9422ACA56E547676D07AD6BADFA', '18DC07B94797B466'],
    ['E00004', '279C0F6AEED0BE652B2C733E1383AE91', '0BC79509D5645DF7'],
    ['E00005', '5F8DC6D2C845C125508DDC048093B83F', '5BC0AF22AD87B327'],
    ['E00010', '59598DCBD9BD94C094165CE453585F57', 'D5D9638559EF53D6'],
    ['E00015', 'E161D1956A61F6D2F37AFD7F9CC3699A', '72105C22EBC791E6'],
  ];
  it.each(initial)('KSN …%s: transaction key and PIN block', (tail, key, encrypted) => {
    const ksn = fromHex(`FFFF9876543210${tail}`);
    const keys = tdesDukptKeys(bdk, ksn);
    expect(toHex(tdesTransactionKey(ipek, ksn))).toBe(key);
    expect(toHex(desEcb(keys.pin, pinBlock))).toBe(encrypted);
  });

  // A.4.3 rollover sequence: counters with 10 bits set jump by their lowest set bit
  const rollover: [string, string, string][] = [
    ['EFF800', 'F9CDFEBF4F5B1D9EB3EC12454527E176', '33365F5CC6F23C35'],
    ['EFF801', '5BEE92627E97825C911BF619DF72CA3B', '3A86BF003F835C9D'],
    ['EFF802', '64CA2F8AB93F61B01620B00BF77C7301', '3DB977D05C36DF3F'],
    ['EFF804', '35A168695B3BA83307E871C42021DD37', 'BA83243305712099'],
    ['EFF808', '12C380FCB72ED3C26FC6079AF63F4787', 'B0DA04AC90A36D85'],
    ['EFF810', 'D8007C833A1E3C49C6889B97A68C54FF', '2CF02BD9C309EEDA'],
    ['EFF820', 'A9C9FF9B735FDD49591F296B0BF0FD70', '9D1E2F77AEEE81C6'],
    ['EFF840', '0E3E221062CB5E03A384602783A004FA', '40870B0F8BA2011C'],
    ['EFF880', 'CA8225C587124DFBB87F279C0BE29727', '22E340D6ABB40981'],
    ['EFF900', '906AAC1751D4971A144D52C76C6E1F97', '1A4C10AFBA03A430'],
    ['EFFA00', '2B9E2CE7C2750337E10B54D2989EA6AF', '849763B43E5F9CFF'],
    ['EFFC00', 'F9430DF975082491C77BE4EF4FDB91EE', 'DEFC6F09F8927B71'],
    ['F00000', 'AA4D58DB653EC74A48C75F2F047DD2B5', '73EC88AD0AC5830E'],
  ];
  it('the KSN sequence from …E00000 and through the rollover', () => {
    let ksn = iksn;
    for (const [tail] of initial.slice(0, 5)) {
      ksn = nextTdesKsn(ksn);
      expect(toHex(ksn)).toBe(`FFFF9876543210${tail}`);
    }
    ksn = fromHex('FFFF9876543210EFF800');
    for (const [tail] of rollover) {
      expect(toHex(ksn)).toBe(`FFFF9876543210${tail}`);
      ksn = nextTdesKsn(ksn);
    }
  });
  it.each(rollover)('rollover KSN …%s: transaction key and PIN block', (tail, key, encrypted) => {
    const ksn = fromHex(`FFFF9876543210${tail}`);
    expect(toHex(tdesTransactionKey(ipek, ksn))).toBe(key);
    expect(toHex(desEcb(tdesDukptKeys(bdk, ksn).pin, pinBlock))).toBe(encrypted);
  });

  // X9.24-1:2009 A.4.2 first rows, MAC and data columns (as listed by moov-io/dukpt and in
  // terminal-protocols.md §7): data = ASCII "4012345678909D987"
  it('KSN …E00001: request/response MAC (X9.19) and request/response data encryption (one-way data key)', () => {
    const keys = tdesDukptKeys(bdk, fromHex('FFFF9876543210E00001'));
    const data = ascii('4012345678909D987');
    expect(toHex(retailMac(keys.macRequest, data))).toBe('9CCC78173FC4FB64');
    expect(toHex(retailMac(keys.macResponse, data))).toBe('20364223C1FF00FA');
    expect(toHex(desCbc(keys.dataRequest, padIso9797(data, 1)))).toBe('FC0D53B7EA1FDA9EE68AAF2E70D9B9506229BE2AA993F04F');
    expect(toHex(desCbc(keys.dataResponse, padIso9797(data, 1)))).toBe('1FCC89AF66222F27B903898BB2BC8589CDBFDE5EC6AFCC25');
    const keys2 = tdesDukptKeys(bdk, fromHex('FFFF9876543210E00002'));
    expect(toHex(retailMac(keys2.macRequest, data))).toBe('F608A9BCA6FFC311');
    expect(toHex(retailMac(keys2.macResponse, data))).toBe('D1FCA6BEF05D24D2');
  });

  it('invalid counters: zero, more than 10 bits set, exhausted', () => {
    expect(isValidTdesKsn(fromHex('FFFF9876543210E00000'))).toBe(false);
    expect(isValidTdesKsn(fromHex('FFFF9876543210E007FF'))).toBe(false); // 11 bits
    expect(isValidTdesKsn(fromHex('FFFF9876543210E003FF'))).toBe(true); // 10 bits
    expect(() => tdesTransactionKey(ipek, fromHex('FFFF9876543210E007FF'))).toThrow('KSN: counter is 0 or has more than 10 bits set');
    expect(() => nextTdesKsn(fromHex('FFFF9876543210FFF800'))).toThrow('KSN: transaction counter exhausted');
    expect(() => tdesIpek(bdk, fromHex('FFFF9876543210E0'))).toThrow('KSN: 8 bytes, expected 10');
  });
});

describe('AES DUKPT (ANSI X9.24-3-2017 supplement vectors, as in openemv/dukpt test/dukpt_aes128_test.c, dukpt_aes256_test.c)', () => {
  const bdk128 = fromHex('FEDCBA9876543210F1F1F1F1F1F1F1F1');
  const bdk256 = Buffer.concat([bdk128, bdk128]);
  const ikid = fromHex('1234567890123456');
  const ksn = (counter: string) => fromHex(`1234567890123456${counter}`);

  it('initial keys (AES-128, AES-256)', () => {
    expect(toHex(aesDukptInitialKey(bdk128, ikid))).toBe('1273671EA26AC29AFA4D1084127652A1');
    expect(toHex(aesDukptInitialKey(bdk256, ikid))).toBe('CE9CE0C101D1138F97FB6CAD4DF045A7083D4EAE2D35A31789D01CCF0949550F');
  });

  const ik128 = aesDukptInitialKey(bdk128, ikid);
  const ik256 = aesDukptInitialKey(bdk256, ikid);
  it.each([
    ['00000001', '4F21B565BAD9835E112B6465635EAE44', '54AC2B32B145EA4A554CB8BC44B17467063A799856B1CCC2A138D36E8DBF78B3'],
    ['00000002', '2F34D68DE10F68D38091A73B9E7C437C', '5DD5A0253842BBBE1D7C0DA27021412C6F1FAB53FB928DEAE56DA06090A9DE97'],
    ['00000008', '718EE6CF0B27E53D5F7AF99C4D8146A2', '20A796D5077D51B8E7613893A4F095B134E02917DC84BD391F3661D0873FF308'],
    ['0001FFFE', 'E21E8C8D347F8561A2BE752DAA85A111', 'A289508CBF1228452CD86AB77B15CB35577AC828C18BB66681E5A16D6C9CCED3'],
    ['00020000', 'F7AE9025468A25D37B7249CFFED224C8', 'D62DDA94A47D7DA5D763443B4ECB15EA8DD62E0E4F915958BA459591F8312E37'],
    ['FFFE2000', '48E585B694EB0B18D5C35443E163C0BA', '4625EB06E4886D4AFCC9AE37ED4F4E4E1653C9E60E3F24742A87A26AA96AB7A6'],
    ['FFFF0000', 'F6BA59389BD14A9855BE9727E7C52E3C', '6D6DB7AAAE8B3EA90E57A39E4BBA71E173B21B446B30A78D64BFC6A8806C55EE'],
  ])('counter %s: derivation keys', (counter, key128, key256) => {
    expect(toHex(aesDukptTransactionKey(ik128, ksn(counter)))).toBe(key128);
    expect(toHex(aesDukptTransactionKey(ik256, ksn(counter)))).toBe(key256);
  });

  // openemv/dukpt test/dukpt_aes128_test.c: PIN, CMAC-generation and data-encryption keys of counters 1 and 8
  it.each([
    ['00000001', 'AF8CB133A78F8DC2D1359F18527593FB', 'A2DC23DE6FDE0824A2BC321E08E4B8B7', 'A35C412EFD41FDB98B69797C02DCD08F'],
    ['00000008', '4D9DF3FBEE3448FC3E676D04320A90F5', '6FD572E5D59E618875F193484F9178FB', '650F34204ABD4E57764D61AC3D266FB1'],
  ])('AES-128 working keys, counter %s', (counter, pin, mac, data) => {
    const keys = aesDukptKeys(bdk128, ksn(counter));
    expect([toHex(keys.pinEncryption), toHex(keys.macGeneration), toHex(keys.dataEncryption)]).toEqual([pin, mac, data]);
  });

  // X9.24-3-2017 Annex B counter-1 values for the other usages, and the PIN key of counter 8675309
  // (0x845FED, 14 bits set: walks many intermediate keys), as public AES DUKPT test suites list them
  it('AES-128 MAC-verify and data-decrypt keys of counter 1; PIN key of counter 0x845FED', () => {
    const keys = aesDukptKeys(bdk128, ksn('00000001'));
    expect(toHex(keys.macVerification)).toBe('DBB463945B286C07CD3AD82EE96FD9C9');
    expect(toHex(keys.dataDecryption)).toBe('16292C6EA8F64C5420A0584BFBC577BE');
    expect(toHex(aesDukptKeys(bdk128, ksn('00845FED')).pinEncryption)).toBe('D1DDA386AA4A556AF0119FDCB5D132C6');
  });

  // X9.24-3-2017 supplement reference values for counter 1 (AES-256 BDK → AES-256 working keys;
  // AES-128 BDK → 2TDEA PIN key), as transcribed in public references to x9.org's test-vector set
  it('AES-256 working keys and a 2TDEA working key from an AES-128 BDK, counter 1', () => {
    const keys = aesDukptKeys(bdk256, ksn('00000001'));
    expect(toHex(keys.pinEncryption)).toBe('8C1AB7BEE973829E30242E0BBBDD4946D540C98FC1B5BDCF94790001A23FD502');
    expect(toHex(keys.macGeneration)).toBe('61DABDF4B340CF461EE860B1D1AB55357142BD2D6977306859CF49AEFE8F1549');
    expect(toHex(keys.dataEncryption)).toBe('71EB36C9A6B7F801D1D1700C29741FC5A5C4E9B45D742DA7AF6992B8AA29AF58');
    expect(toHex(aesDukptKeys(bdk128, ksn('00000001'), 'tdes2').pinEncryption)).toBe('630C706D9546E47D4449313F61C4D4AB');
  });

  it('KSN counter: at most 16 bits set (0x1FFFF is skipped), last counter, invalid counters rejected', () => {
    expect(toHex(nextAesKsn(ksn('00000001')))).toBe('123456789012345600000002');
    expect(isValidAesKsn(ksn('0001FFFF'))).toBe(false);
    expect(toHex(nextAesKsn(ksn('0001FFFE')))).toBe('123456789012345600020000');
    expect(toHex(nextAesKsn(ksn('FFFE8000')))).toBe('1234567890123456FFFF0000');
    expect(() => nextAesKsn(ksn('FFFF0000'))).toThrow('KSN: transaction counter exhausted');
    expect(() => aesDukptTransactionKey(ik128, ksn('00000000'))).toThrow('KSN: counter is 0 or has more than 16 bits set');
    expect(() => aesDukptInitialKey(Buffer.alloc(15), ikid)).toThrow('BDK: 15 bytes, expected 16, 24 or 32');
  });
});
