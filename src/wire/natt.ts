/**
 * UDP-encapsulated ESP and IKE on port 4500 (RFC 3948 section 2; RFC 7296 section 2.23).
 * The first bytes of the UDP payload tell the three apart:
 *
 * - NAT-keepalive (RFC 3948 2.3): a single octet 0xFF.
 * - IKE (RFC 3948 2.2): the 4-byte Non-ESP Marker (zero), then the IKE header. "The SPI
 *   value of zero is reserved", so a zero first word cannot be ESP.
 * - ESP-in-UDP (RFC 3948 2.1): the ESP header (non-zero SPI, sequence) right after UDP.
 */
import { DROP_NATT_SHORT } from '../stats/drop-reasons.js';

export const NATT_OTHER = 0;
export const NATT_KEEPALIVE = 1;
export const NATT_IKE = 2;
export const NATT_ESP = 3;

export const NATT_MARKER_LEN = 4;
export const NATT_KEEPALIVE_BYTE = 0xff;

/** Classify the payload v[o .. end); returns a NATT_* kind or -DROP_NATT_SHORT. */
export function nattClassify(v: DataView, o: number, end: number): number {
  const n = end - o;
  if (n === 1) return v.getUint8(o) === NATT_KEEPALIVE_BYTE ? NATT_KEEPALIVE : NATT_OTHER;
  if (n < 4) return -DROP_NATT_SHORT;
  if (v.getInt32(o) === 0) return NATT_IKE;
  return n >= 8 ? NATT_ESP : -DROP_NATT_SHORT;
}
