import { describe, expect, it } from 'vitest';
import { fromHex } from '../../protocols/bytes.js';
import { DecodeError, EncodeError } from '../../protocols/errors.js';
import {
  ACK_FRAME,
  ERROR_FRAME,
  FrameParser,
  NACK_FRAME,
  TFI_HOST_TO_PN532,
  TFI_PN532_TO_HOST,
  checksum,
  decodeFrame,
  encodeCommand,
  encodeFrame,
  encodeResponse,
  type ParseResult,
} from '../../protocols/pn532/index.js';

const frames = (results: ParseResult[]) => results.filter((r) => r.type === 'frame').map((r) => r.frame);
const errors = (results: ParseResult[]) => results.flatMap((r) => (r.type === 'error' ? [r.error] : []));

describe('published PN532 frames', () => {
  // GetFirmwareVersion command and answer (PN532 v1.6): libnfc pn53x.c / Adafruit_PN532.cpp
  // (pn532response_firmwarevers), and the captures in /work/shared/reference/terminal-protocols.md §1.
  it('GetFirmwareVersion command 00 00 FF 02 FE D4 02 2A 00', () => {
    expect(encodeCommand(0x02)).toEqual(fromHex('00 00 FF 02 FE D4 02 2A 00'));
    expect(decodeFrame(fromHex('00 00 FF 02 FE D4 02 2A 00'))).toEqual({
      kind: 'info', tfi: TFI_HOST_TO_PN532, data: fromHex('02'), extended: false,
    });
  });

  it('GetFirmwareVersion answer 00 00 FF 06 FA D5 03 32 01 06 07 E8 00', () => {
    expect(encodeResponse(0x02, fromHex('32 01 06 07'))).toEqual(fromHex('00 00 FF 06 FA D5 03 32 01 06 07 E8 00'));
    expect(decodeFrame(fromHex('00 00 FF 06 FA D5 03 32 01 06 07 E8 00'))).toEqual({
      kind: 'info', tfi: TFI_PN532_TO_HOST, data: fromHex('03 32 01 06 07'), extended: false,
    });
  });

  // ACK / NACK / application error frame: UM0701-02 §6.2.1.3–6.2.1.5; the error frame as captured in
  // martin-eden/Embedded_Scrapyard libraries/Adafruit-PN532/README.md ("Syntax error respone").
  it('ACK, NACK and the application error frame', () => {
    expect(ACK_FRAME).toEqual(fromHex('00 00 FF 00 FF 00'));
    expect(NACK_FRAME).toEqual(fromHex('00 00 FF FF 00 00'));
    expect(ERROR_FRAME).toEqual(fromHex('00 00 FF 01 FF 7F 81 00'));
    expect(decodeFrame(ACK_FRAME)).toEqual({ kind: 'ack' });
    expect(decodeFrame(NACK_FRAME)).toEqual({ kind: 'nack' });
    expect(decodeFrame(ERROR_FRAME)).toEqual({ kind: 'error' });
  });

  // SAMConfiguration normal mode, timeout 0x14, IRQ on (Adafruit begin/SAMConfig) and its answer,
  // as logged by a Python HSU client (code corpus: "wake up reader … return: 00 00 FF 00 FF 00 00 00 FF 02 FE D5 15 16 00").
  it('SAMConfiguration 01 14 01 and its answer D5 15', () => {
    expect(encodeCommand(0x14, fromHex('01 14 01'))).toEqual(fromHex('00 00 FF 05 FB D4 14 01 14 01 02 00'));
    expect(encodeCommand(0x14, fromHex('01'))).toEqual(fromHex('00 00 FF 03 FD D4 14 01 17 00'));
    expect(decodeFrame(fromHex('00 00 FF 02 FE D5 15 16 00'))).toMatchObject({ kind: 'info', data: fromHex('15') });
  });

  // InListPassiveTarget 1 target 106 kbps type A: 00 00 FF 04 FC D4 4A 01 00 E1 00 (same capture set;
  // also sqf-ice/test USER/src/PN532/nfc.c).
  it('InListPassiveTarget command 00 00 FF 04 FC D4 4A 01 00 E1 00', () => {
    expect(encodeCommand(0x4a, fromHex('01 00'))).toEqual(fromHex('00 00 FF 04 FC D4 4A 01 00 E1 00'));
  });

  // A real CPU-card (ISO-DEP, SAK 28) answer with an ATS, and a Mifare 1K answer, captured in
  // sqf-ice/test USER/src/PN532/nfc.c ("cpu 卡" / "m1 卡" comments).
  it('decodes captured InListPassiveTarget answers', () => {
    const cpu = decodeFrame(fromHex('00 00 ff 1c e4 d5 4b 01 01 00 04 28 04 fd e6 08 99 10 78 80 90 02 20 90 00 00 00 00 00 fd e6 08 99 5c 00'));
    expect(cpu).toMatchObject({ kind: 'info', tfi: 0xd5 });
    const m1 = decodeFrame(fromHex('00 00 ff 0c f4 d5 4b 01 01 00 04 08 04 d0 bb e1 1a 48 00'));
    expect(m1).toMatchObject({ kind: 'info', data: fromHex('4b 01 01 00 04 08 04 d0 bb e1 1a') });
  });

  // InDataExchange Mifare READ block, from sqf-ice/test USER/src/PN532/nfc.c: "00 00 ff 08 f8 d4 40 01 c0 f1 00 01 08 31 00"
  // is 8 bytes of PD with DCS 31 — checks our DCS over a longer payload.
  it('checksums of a captured InDataExchange frame', () => {
    const frame = fromHex('00 00 ff 08 f8 d4 40 01 c0 f1 00 01 08 31 00');
    expect(encodeFrame(0xd4, fromHex('40 01 c0 f1 00 01 08'))).toEqual(frame);
  });
});

describe('extended frames', () => {
  it('uses a normal frame up to 254 data bytes and an extended one beyond (libnfc pn53x_build_frame)', () => {
    expect(encodeFrame(0xd4, Buffer.alloc(254, 1))[3]).toBe(0xff);
    expect(encodeFrame(0xd4, Buffer.alloc(254, 1))[4]).toBe(0x01); // LEN 255, LCS 01
    const data = Buffer.alloc(264, 0xa5);
    const frame = encodeFrame(0xd5, data);
    // 00 00 FF FF FF LENM LENL LCS: LEN = 265 = 01 09, LCS = 0x100 - 0x0A = F6
    expect(frame.subarray(0, 8)).toEqual(fromHex('00 00 FF FF FF 01 09 F6'));
    expect(frame.length).toBe(8 + 265 + 2);
    expect(decodeFrame(frame)).toEqual({ kind: 'info', tfi: 0xd5, data, extended: true });
  });

  it('refuses to encode more than the PN532 buffer holds', () => {
    expect(() => encodeFrame(0xd4, Buffer.alloc(265))).toThrow(EncodeError);
  });

  it('rejects an extended length beyond the limit without waiting for its bytes', () => {
    const parser = new FrameParser();
    const results = parser.push(fromHex('00 00 FF FF FF 40 00 C0'));
    expect(errors(results)[0]).toMatchObject({ path: 'LEN' });
    expect(parser.buffered).toBeLessThan(8);
  });
});

describe('checksums', () => {
  it('LCS and DCS make the sums zero mod 256', () => {
    expect(checksum([0x06])).toBe(0xfa);
    expect(checksum([0xd5, 0x03, 0x32, 0x01, 0x06, 0x07])).toBe(0xe8);
    expect(checksum([])).toBe(0x00);
  });

  it('reports a bad LCS and a bad DCS with their byte offsets', () => {
    expect(() => decodeFrame(fromHex('00 00 FF 06 FB D5 03 32 01 06 07 E8 00'))).toThrow(
      expect.objectContaining({ name: 'DecodeError', path: 'LCS', offset: 4 }),
    );
    expect(() => decodeFrame(fromHex('00 00 FF 06 FA D5 03 32 01 06 07 E9 00'))).toThrow(
      expect.objectContaining({ path: 'DCS', offset: 11 }),
    );
    expect(() => decodeFrame(fromHex('00 00 FF 06 FA D5 03 32 01 06 07 E8 01'))).toThrow(
      expect.objectContaining({ path: 'postamble', offset: 12 }),
    );
  });

  it('rejects an unknown TFI, truncation, and trailing bytes', () => {
    expect(() => decodeFrame(encodeFrame(0xd6, fromHex('03')))).toThrow(expect.objectContaining({ path: 'TFI' }));
    expect(() => decodeFrame(fromHex('00 00 FF 06 FA D5 03'))).toThrow(/truncated/);
    expect(() => decodeFrame(fromHex('00 00 FF 00 FF 00 00'))).toThrow(DecodeError);
    expect(() => decodeFrame(Buffer.alloc(0))).toThrow(/empty/);
  });
});

describe('streaming FrameParser', () => {
  const firmware = fromHex('00 00 FF 06 FA D5 03 32 01 06 07 E8 00');

  it('reads ACK then the response from one chunk, as the PN532 sends them back to back', () => {
    const parser = new FrameParser();
    const results = parser.push(Buffer.concat([ACK_FRAME, firmware]));
    expect(frames(results)).toEqual([{ kind: 'ack' }, { kind: 'info', tfi: 0xd5, data: fromHex('03 32 01 06 07'), extended: false }]);
    expect(errors(results)).toEqual([]);
    expect(results.map((r) => (r.type === 'frame' ? r.offset : -1))).toEqual([0, 6]);
  });

  it('reassembles a frame delivered one byte at a time', () => {
    const parser = new FrameParser();
    const all: ParseResult[] = [];
    for (const byte of Buffer.concat([ACK_FRAME, firmware])) all.push(...parser.push(Buffer.from([byte])));
    expect(frames(all)).toHaveLength(2);
    expect(errors(all)).toEqual([]);
  });

  it('skips junk before a start code, reporting where it was', () => {
    const parser = new FrameParser();
    const results = parser.push(Buffer.concat([fromHex('55 AA 13'), firmware]));
    expect(frames(results)).toHaveLength(1);
    expect(errors(results)).toEqual([expect.objectContaining({ path: 'start code', offset: 0 })]);
  });

  it('resynchronises on the next start code after a bad checksum', () => {
    const corrupt = Buffer.from(firmware);
    corrupt[8] = corrupt[8]! ^ 0x10; // data byte: DCS no longer matches
    const parser = new FrameParser();
    const results = parser.push(Buffer.concat([corrupt, ACK_FRAME, firmware]));
    expect(errors(results)[0]).toMatchObject({ path: 'DCS', offset: 11 });
    expect(frames(results)).toEqual([{ kind: 'ack' }, expect.objectContaining({ kind: 'info' })]);
  });

  it('treats the libnfc wake-up (55 55 + 14 × 00) followed by SAMConfiguration as junk then a frame', () => {
    // The 24 bytes an HSU client sends to wake the chip (code corpus capture):
    // 55 55 00×14 FF 03 FD D4 14 01 17 00 — the last two 00 of the wake-up are the frame's preamble and start code.
    const wake = fromHex('55 55 00 00 00 00 00 00 00 00 00 00 00 00 00 00 ff 03 fd d4 14 01 17 00');
    const parser = new FrameParser();
    const results = parser.push(wake);
    expect(frames(results)).toEqual([{ kind: 'info', tfi: 0xd4, data: fromHex('14 01'), extended: false }]);
  });

  it('reset() drops a half frame', () => {
    const parser = new FrameParser();
    parser.push(firmware.subarray(0, 7));
    expect(parser.buffered).toBeGreaterThan(0);
    parser.reset();
    expect(frames(parser.push(ACK_FRAME))).toEqual([{ kind: 'ack' }]);
  });

  it('never holds more than a frame of junk', () => {
    const parser = new FrameParser();
    parser.push(Buffer.alloc(10_000, 0x55));
    expect(parser.buffered).toBe(0);
  });
});
