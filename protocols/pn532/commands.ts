/**
 * PN532 commands the contactless driver needs, as pure builders (host side) and parsers of the
 * response data (PD0.. of a D5 frame, starting with the response code = command + 1).
 * Command codes and layouts: NXP UM0701-02 §7, libnfc pn53x-internal.h.
 * Parsers for the device side (what the virtual PN532 reads from the host) live here too, so
 * both twins share one definition.
 */
import { DecodeError, EncodeError } from '../errors.js';

export const Command = {
  GetFirmwareVersion: 0x02,
  SAMConfiguration: 0x14,
  RFConfiguration: 0x32,
  InDataExchange: 0x40,
  InListPassiveTarget: 0x4a,
  InRelease: 0x52,
} as const;
export type CommandCode = (typeof Command)[keyof typeof Command];

/**
 * Wake-up from power-down / low-VBAT over HSU: libnfc sends 55 55 and 14 × 00 before the first
 * command (pn532_uart.c pn532_uart_wakeup); a PN532 C106 starts in Low-VBAT, so SAMConfiguration
 * must follow.
 */
export const WAKEUP_PREAMBLE: Buffer = Buffer.from([0x55, 0x55, ...new Array<number>(14).fill(0x00)]);

/** InDataExchange status bit 6: more information follows (chaining), UM0701 §7.3.8. */
export const STATUS_MORE_INFORMATION = 0x40;
/** The error code is the low 6 bits of the status byte. */
export const STATUS_ERROR_MASK = 0x3f;
/** The target number is the low 6 bits of InDataExchange's Tg byte (bit 6 is MI). */
const TG_MASK = 0x3f;
/**
 * Largest DataOut/DataIn of one InDataExchange (UM0701 §7.3.8: 262 bytes). Longer APDUs are cut
 * into pieces with the MI bit set on all but the last.
 */
export const DATA_EXCHANGE_MAX = 262;
/** Baud-rate/modulation BrTy of InListPassiveTarget: 106 kbps type A (ISO/IEC 14443 Type A). */
export const BRTY_106_TYPE_A = 0x00;
/** SEL_RES (SAK) bit: the target is ISO/IEC 14443-4 compliant (an ATS follows the NFCID1). */
export const SAK_ISO14443_4 = 0x20;

/** Error codes of the status byte (UM0701 §7.1 table "Error code list", libnfc pn53x.c). */
export const statusErrors: ReadonlyMap<number, string> = new Map([
  [0x01, 'time out, the target has not answered'],
  [0x02, 'CRC error detected'],
  [0x03, 'parity error detected'],
  [0x04, 'erroneous bit count during anticollision'],
  [0x05, 'framing error during Mifare operation'],
  [0x06, 'abnormal bit collision during anticollision'],
  [0x07, 'communication buffer size insufficient'],
  [0x09, 'RF buffer overflow'],
  [0x0a, 'RF field not switched on in time'],
  [0x0b, 'RF protocol error'],
  [0x0d, 'temperature error'],
  [0x0e, 'internal buffer overflow'],
  [0x10, 'invalid parameter'],
  [0x12, 'DEP protocol: command not supported'],
  [0x13, 'DEP protocol: data format out of specification'],
  [0x14, 'Mifare authentication error'],
  [0x23, 'ISO/IEC 14443-3: UID check byte wrong'],
  [0x25, 'DEP protocol: invalid device state'],
  [0x26, 'operation not allowed in this configuration'],
  [0x27, 'command not acceptable in the current context'],
  [0x29, 'the target has been released by the initiator'],
  [0x2a, 'card ID mismatch: the card was exchanged'],
  [0x2b, 'the card previously activated has disappeared'],
  [0x2c, 'NFCID3 initiator/target mismatch'],
  [0x2d, 'over-current event detected'],
  [0x2e, 'NAD missing in DEP frame'],
]);

/** Error codes meaning the card no longer answers (it left the field or was swapped). */
export const CARD_GONE_CODES: ReadonlySet<number> = new Set([0x01, 0x29, 0x2a, 0x2b]);

export function describeStatus(code: number): string {
  return statusErrors.get(code & STATUS_ERROR_MASK) ?? `error code 0x${(code & STATUS_ERROR_MASK).toString(16).padStart(2, '0')}`;
}

// ---------------------------------------------------------------- builders (PD0.. of a D4 frame)

export function getFirmwareVersion(): Buffer {
  return Buffer.from([Command.GetFirmwareVersion]);
}

/**
 * SAMConfiguration. Mode 01 = normal (no SAM). Timeout is in 50 ms units and only matters in
 * virtual-card mode; Adafruit sends 01 14 01, libnfc sends 01 alone.
 */
export function samConfiguration(mode = 0x01, timeout?: number, irq?: number): Buffer {
  const params = [mode];
  if (timeout !== undefined) params.push(timeout);
  if (timeout !== undefined && irq !== undefined) params.push(irq);
  return Buffer.from([Command.SAMConfiguration, ...params.map((v) => byte(v, 'SAMConfiguration'))]);
}

/**
 * RFConfiguration item 05 (MaxRetries): MxRtyATR, MxRtyPSL, MxRtyPassiveActivation. FF means
 * "retry forever"; a terminal polling for cards wants a small passive-activation count so that
 * InListPassiveTarget returns NbTg = 0 instead of blocking.
 */
export function rfConfigurationMaxRetries(passiveActivation: number, atr = 0xff, psl = 0x01): Buffer {
  return Buffer.from([Command.RFConfiguration, 0x05, byte(atr, 'MxRtyATR'), byte(psl, 'MxRtyPSL'), byte(passiveActivation, 'MxRtyPassiveActivation')]);
}

/** InListPassiveTarget for up to `maxTargets` (1 or 2) ISO 14443-A targets at 106 kbps. */
export function inListPassiveTarget(maxTargets = 1, brTy = BRTY_106_TYPE_A): Buffer {
  if (maxTargets !== 1 && maxTargets !== 2) throw new EncodeError('InListPassiveTarget', 'MaxTg', 'must be 1 or 2');
  return Buffer.from([Command.InListPassiveTarget, maxTargets, byte(brTy, 'BrTy')]);
}

/** InDataExchange with target `tg`; `more` sets the MI bit (more data follows in the next exchange). */
export function inDataExchange(tg: number, data: Uint8Array, more = false): Buffer {
  if (data.length > DATA_EXCHANGE_MAX)
    throw new EncodeError('InDataExchange', 'DataOut', `${data.length} bytes exceed ${DATA_EXCHANGE_MAX}; chain them`);
  return Buffer.from([Command.InDataExchange, byte(tg, 'Tg') | (more ? STATUS_MORE_INFORMATION : 0), ...data]);
}

/** InRelease of target `tg` (0 releases all). */
export function inRelease(tg = 0): Buffer {
  return Buffer.from([Command.InRelease, byte(tg, 'Tg')]);
}

// ---------------------------------------------------------------- response parsers (host side)

export interface FirmwareVersion {
  /** 0x32 for a PN532. */
  ic: number;
  version: number;
  revision: number;
  /** Bit field: 01 ISO 14443 type A, 02 type B, 04 ISO 18092. */
  support: number;
}

export interface PassiveTarget {
  /** Logical target number the PN532 assigned (1 or 2). */
  tg: number;
  /** SENS_RES (ATQA), 2 bytes as sent. */
  sensRes: Buffer;
  /** SEL_RES (SAK). */
  selRes: number;
  /** NFCID1 (UID), 4, 7 or 10 bytes. */
  nfcId: Buffer;
  /** The ATS including its length byte TL, present when SEL_RES says ISO 14443-4. */
  ats?: Buffer;
}

export interface DataExchangeResult {
  status: number;
  /** Low 6 bits of the status byte; 0 = success. */
  errorCode: number;
  /** MI bit: the rest of the answer follows in the next InDataExchange. */
  moreInformation: boolean;
  data: Buffer;
}

/** Checks the response code (command + 1) and returns the data after it. */
export function responseBody(data: Buffer, command: number): Buffer {
  const what = `PN532 response to 0x${command.toString(16).padStart(2, '0')}`;
  if (data.length < 1) throw new DecodeError(what, 'code', 0, 'empty response');
  if (data[0] !== ((command + 1) & 0xff)) throw new DecodeError(what, 'code', 0, `response code is not command + 1`);
  return data.subarray(1);
}

export function parseFirmwareVersion(data: Buffer): FirmwareVersion {
  const body = responseBody(data, Command.GetFirmwareVersion);
  if (body.length !== 4) throw new DecodeError('GetFirmwareVersion response', '', 1, `expected 4 bytes, got ${body.length}`);
  return { ic: body[0]!, version: body[1]!, revision: body[2]!, support: body[3]! };
}

export function parseSamConfiguration(data: Buffer): void {
  const body = responseBody(data, Command.SAMConfiguration);
  if (body.length !== 0) throw new DecodeError('SAMConfiguration response', '', 1, 'unexpected data');
}

export function parseRfConfiguration(data: Buffer): void {
  const body = responseBody(data, Command.RFConfiguration);
  if (body.length !== 0) throw new DecodeError('RFConfiguration response', '', 1, 'unexpected data');
}

/** Parses `D5 4B NbTg [Tg SENS_RES(2) SEL_RES NFCIDLength NFCID1.. [ATS..]]…` for 106 kbps type A. */
export function parseInListPassiveTarget(data: Buffer): PassiveTarget[] {
  const body = responseBody(data, Command.InListPassiveTarget);
  const what = 'InListPassiveTarget response';
  if (body.length < 1) throw new DecodeError(what, 'NbTg', 1, 'missing');
  const count = body[0]!;
  if (count > 2) throw new DecodeError(what, 'NbTg', 1, `${count} targets (at most 2)`);
  const targets: PassiveTarget[] = [];
  let i = 1;
  const need = (n: number, part: string) => {
    if (i + n > body.length) throw new DecodeError(what, part, 1 + i, 'truncated');
  };
  for (let t = 0; t < count; t++) {
    const path = `target${t + 1}`;
    need(5, `${path}.header`);
    const tg = body[i]!;
    const sensRes = Buffer.from(body.subarray(i + 1, i + 3));
    const selRes = body[i + 3]!;
    const idLength = body[i + 4]!;
    i += 5;
    if (idLength !== 4 && idLength !== 7 && idLength !== 10)
      throw new DecodeError(what, `${path}.NFCIDLength`, i, `${idLength} is not 4, 7 or 10`);
    need(idLength, `${path}.NFCID1`);
    const nfcId = Buffer.from(body.subarray(i, i + idLength));
    i += idLength;
    const target: PassiveTarget = { tg, sensRes, selRes, nfcId };
    if (selRes & SAK_ISO14443_4) {
      need(1, `${path}.ATS`);
      const tl = body[i]!;
      if (tl < 1) throw new DecodeError(what, `${path}.ATS`, 1 + i, 'ATS length byte is 0');
      need(tl, `${path}.ATS`);
      target.ats = Buffer.from(body.subarray(i, i + tl));
      i += tl;
    }
    targets.push(target);
  }
  if (i !== body.length) throw new DecodeError(what, '', 1 + i, `${body.length - i} byte(s) after the targets`);
  return targets;
}

export function parseInDataExchange(data: Buffer): DataExchangeResult {
  const body = responseBody(data, Command.InDataExchange);
  if (body.length < 1) throw new DecodeError('InDataExchange response', 'Status', 1, 'missing');
  const status = body[0]!;
  return {
    status,
    errorCode: status & STATUS_ERROR_MASK,
    moreInformation: (status & STATUS_MORE_INFORMATION) !== 0,
    data: Buffer.from(body.subarray(1)),
  };
}

/** InRelease answers one status byte; returns its error code (0 = released). */
export function parseInRelease(data: Buffer): number {
  const body = responseBody(data, Command.InRelease);
  if (body.length !== 1) throw new DecodeError('InRelease response', 'Status', 1, `expected 1 byte, got ${body.length}`);
  return body[0]! & STATUS_ERROR_MASK;
}

// ---------------------------------------------------------------- device side

export interface InDataExchangeRequest {
  tg: number;
  more: boolean;
  data: Buffer;
}

/** Parses the parameters of a host InDataExchange (after the command code). */
export function parseInDataExchangeRequest(params: Buffer): InDataExchangeRequest {
  if (params.length < 1) throw new DecodeError('InDataExchange command', 'Tg', 1, 'missing');
  const tgByte = params[0]!;
  return { tg: tgByte & TG_MASK, more: (tgByte & STATUS_MORE_INFORMATION) !== 0, data: Buffer.from(params.subarray(1)) };
}

/** Encodes one InListPassiveTarget target record (the device side of parseInListPassiveTarget). */
export function encodePassiveTarget(target: PassiveTarget): Buffer {
  if (target.sensRes.length !== 2) throw new EncodeError('InListPassiveTarget target', 'SENS_RES', 'must be 2 bytes');
  const ats = target.ats ?? Buffer.alloc(0);
  if ((target.selRes & SAK_ISO14443_4) !== 0 && (ats.length < 1 || ats[0] !== ats.length))
    throw new EncodeError('InListPassiveTarget target', 'ATS', 'an ISO 14443-4 target needs an ATS whose TL is its length');
  return Buffer.from([target.tg, ...target.sensRes, target.selRes, target.nfcId.length, ...target.nfcId, ...ats]);
}

function byte(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new EncodeError('PN532 command', what, 'not a byte');
  return value;
}
