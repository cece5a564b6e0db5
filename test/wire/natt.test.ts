/**
 * NAT-T classification of UDP 4500 payloads (src/wire/natt.ts; RFC 3948 section 2,
 * RFC 7296 section 2.23): keepalive, IKE behind the non-ESP marker, ESP, too short.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DROP_NATT_SHORT } from '../../src/stats/drop-reasons.js';
import { espCheck, espSpi } from '../../src/wire/esp.js';
import { ikeCheck, ikeIspiHi, ikeLength } from '../../src/wire/ike.js';
import { NATT_ESP, NATT_IKE, NATT_KEEPALIVE, NATT_KEEPALIVE_BYTE, NATT_MARKER_LEN, NATT_OTHER, nattClassify } from '../../src/wire/natt.js';
import { hex, place } from './bytes.js';

// tcpdump_isakmp4500.pcap frame 18, byte 42: the whole UDP payload of a NAT-keepalive
const KEEPALIVE = hex('ff');

// tcpdump_isakmp4500.pcap frame 7, bytes 42..73: non-ESP marker then the IKE header
const IKE = hex(`
  00 00 00 00               # non-ESP marker
  9e 89 f2 38 8f 90 bc 1e   # IKE initiator SPI
  0a 74 35 7c e3 d1 a4 bf   # responder SPI
  05 10 02 01 00 00 00 00 00 00 01 44
`);

// tcpdump_isakmp4500.pcap frame 12, bytes 42..57: ESP-in-UDP
const ESP = hex(`
  f4 dc 0a e5   # SPI
  00 00 00 01   # sequence 1
  fc e4 09 c4 51 37 8f dd
`);

const classify = (b: Uint8Array) => {
  const { v, o, end } = place(b);
  return nattClassify(v, o, end);
};

describe('natt', () => {
  it('a single 0xFF octet is a NAT-keepalive (tcpdump_isakmp4500 frame 18)', () => {
    expect(NATT_KEEPALIVE_BYTE).toBe(0xff);
    expect(classify(KEEPALIVE)).toBe(NATT_KEEPALIVE);
  });

  it('a single octet other than 0xFF is OTHER', () => {
    for (let b = 0; b < 255; b++) expect(classify(new Uint8Array([b]))).toBe(NATT_OTHER);
  });

  it('IKE behind the 4-byte zero marker (tcpdump_isakmp4500 frame 7); the IKE header follows it', () => {
    const { v, o, end } = place(IKE);
    expect(nattClassify(v, o, end)).toBe(NATT_IKE);
    const ike = o + NATT_MARKER_LEN;
    expect(ikeCheck(v, ike, end)).toBe(28);
    expect(ikeIspiHi(v, ike)).toBe(0x9e89f238 | 0);
    expect(ikeLength(v, ike)).toBe(324);
  });

  it('ESP-in-UDP (tcpdump_isakmp4500 frame 12); the ESP header starts right after UDP', () => {
    const { v, o, end } = place(ESP);
    expect(nattClassify(v, o, end)).toBe(NATT_ESP);
    expect(espCheck(v, o, end)).toBe(8);
    expect(espSpi(v, o) >>> 0).toBe(0xf4dc0ae5);
  });

  it('an empty payload, and 2 or 3 bytes, are too short to classify', () => {
    expect(classify(new Uint8Array(0))).toBe(-DROP_NATT_SHORT);
    expect(classify(hex('ff ff'))).toBe(-DROP_NATT_SHORT);
    expect(classify(hex('00 00'))).toBe(-DROP_NATT_SHORT);
    expect(classify(hex('ff 00 00'))).toBe(-DROP_NATT_SHORT);
  });

  it('every truncation of the ESP payload: 1 byte OTHER, 0/2/3 short, 4..7 short (non-zero SPI, no sequence), 8+ ESP', () => {
    for (let n = 0; n <= ESP.length; n++) {
      const want = n === 1 ? NATT_OTHER : n < 8 ? -DROP_NATT_SHORT : NATT_ESP;
      expect(classify(ESP.subarray(0, n))).toBe(want);
    }
  });

  it('every truncation of the IKE payload: 4 bytes of zero marker already classify as IKE', () => {
    for (let n = 0; n <= IKE.length; n++) {
      const want = n === 1 ? NATT_OTHER : n < 4 ? -DROP_NATT_SHORT : NATT_IKE;
      expect(classify(IKE.subarray(0, n))).toBe(want);
    }
    // the IKE header itself is then checked by ikeCheck: 4 + 27 bytes is short
    const { v, o } = place(IKE);
    expect(ikeCheck(v, o + 4, o + 31)).toBeLessThan(0);
  });

  it('the marker must be all four bytes zero: any non-zero byte makes it ESP (or short)', () => {
    for (let k = 0; k < 4; k++) {
      const b = IKE.slice();
      b[k] = 1;
      expect(classify(b)).toBe(NATT_ESP);
      expect(classify(b.subarray(0, 6))).toBe(-DROP_NATT_SHORT);
    }
  });

  it('a 0xFF first byte in a longer payload is not a keepalive', () => {
    expect(classify(hex('ff 00 00 00 00 00 00 01'))).toBe(NATT_ESP);
    expect(classify(hex('ff ff'))).toBe(-DROP_NATT_SHORT);
  });

  it('classifies any payload without reading past `end` (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        // the DataView is exactly the payload: a read past it would throw
        const r = nattClassify(new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.length);
        const zero4 = b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 0 && b[3] === 0;
        const want = b.length === 1 ? (b[0] === 0xff ? NATT_KEEPALIVE : NATT_OTHER) : b.length < 4 ? -DROP_NATT_SHORT : zero4 ? NATT_IKE : b.length >= 8 ? NATT_ESP : -DROP_NATT_SHORT;
        expect(r).toBe(want);
      }),
      { numRuns: 5000 },
    );
  });
});
