/**
 * ESP header (RFC 4303 section 2): what is readable without keys.
 *
 *  0                   1                   2                   3
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |               Security Parameters Index (SPI)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Sequence Number                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Payload Data* (variable)                   |
 */
import { DROP_ESP_SHORT } from '../stats/drop-reasons.js';

export const ESP_SPI = 0;
export const ESP_SEQ = 4;
export const ESP_HLEN = 8;

export function espCheck(v: DataView, o: number, end: number): number {
  return end - o >= ESP_HLEN ? ESP_HLEN : -DROP_ESP_SHORT;
}
export function espSpi(v: DataView, o: number): number {
  return v.getInt32(o + ESP_SPI);
}
export function espSeq(v: DataView, o: number): number {
  return v.getInt32(o + ESP_SEQ);
}

export interface EspFields {
  spi: number;
  seq: number;
}
export function espEmit(v: DataView, o: number, f: EspFields): number {
  v.setUint32(o + ESP_SPI, f.spi >>> 0);
  v.setUint32(o + ESP_SEQ, f.seq >>> 0);
  return ESP_HLEN;
}
