/**
 * IKE header (RFC 7296 section 3.1; the same 28 bytes as ISAKMP, RFC 2408 section 3.1).
 *
 *  0                   1                   2                   3
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       IKE SA Initiator's SPI                  |
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       IKE SA Responder's SPI                  |
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          Message ID                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                            Length                             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { DROP_IKE_SHORT } from '../stats/drop-reasons.js';

export const IKE_ISPI = 0;
export const IKE_RSPI = 8;
export const IKE_NEXT_PAYLOAD = 16;
export const IKE_VERSION = 17;
export const IKE_EXCHANGE_TYPE = 18;
export const IKE_FLAGS = 19;
export const IKE_MESSAGE_ID = 20;
export const IKE_LENGTH = 24;
export const IKE_HLEN = 28;

export const IKE_SA_INIT = 34;
export const IKE_AUTH = 35;

export function ikeCheck(v: DataView, o: number, end: number): number {
  return end - o >= IKE_HLEN ? IKE_HLEN : -DROP_IKE_SHORT;
}
export function ikeIspiHi(v: DataView, o: number): number {
  return v.getInt32(o + IKE_ISPI);
}
export function ikeIspiLo(v: DataView, o: number): number {
  return v.getInt32(o + IKE_ISPI + 4);
}
export function ikeRspiHi(v: DataView, o: number): number {
  return v.getInt32(o + IKE_RSPI);
}
export function ikeRspiLo(v: DataView, o: number): number {
  return v.getInt32(o + IKE_RSPI + 4);
}
/** Major version in the high nibble, minor in the low (0x20 for IKEv2, 0x10 for IKEv1). */
export function ikeVersion(v: DataView, o: number): number {
  return v.getUint8(o + IKE_VERSION);
}
export function ikeExchangeType(v: DataView, o: number): number {
  return v.getUint8(o + IKE_EXCHANGE_TYPE);
}
export function ikeLength(v: DataView, o: number): number {
  return v.getUint32(o + IKE_LENGTH);
}

export interface IkeFields {
  ispi: bigint;
  rspi: bigint;
  nextPayload?: number;
  version?: number;
  exchangeType: number;
  flags?: number;
  messageId?: number;
  length: number;
}
export function ikeEmit(v: DataView, o: number, f: IkeFields): number {
  v.setBigUint64(o + IKE_ISPI, f.ispi);
  v.setBigUint64(o + IKE_RSPI, f.rspi);
  v.setUint8(o + IKE_NEXT_PAYLOAD, f.nextPayload ?? 0);
  v.setUint8(o + IKE_VERSION, f.version ?? 0x20);
  v.setUint8(o + IKE_EXCHANGE_TYPE, f.exchangeType);
  v.setUint8(o + IKE_FLAGS, f.flags ?? 0x08);
  v.setUint32(o + IKE_MESSAGE_ID, f.messageId ?? 0);
  v.setUint32(o + IKE_LENGTH, f.length);
  return IKE_HLEN;
}
