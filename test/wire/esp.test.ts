/**
 * ESP header (src/wire/esp.ts, RFC 4303 section 2): SPI and sequence, the part readable
 * without keys. Both are read as int32 (the batch columns are Int32Array); `>>> 0` gives
 * the unsigned value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DROP_ESP_SHORT } from '../../src/stats/drop-reasons.js';
import { ESP_HLEN, espCheck, espEmit, espSeq, espSpi } from '../../src/wire/esp.js';
import { blank, bytesAt, hex, place, toHex, truncations } from './bytes.js';

// tcpdump_02-sunrise-sunset-esp.pcap frame 1, bytes 34..45: ESP over IP protocol 50
const ESP_IP = hex(`
  12 34 56 78   # SPI 0x12345678
  00 00 00 01   # sequence 1
  4c 20 45 2f   # start of the (encrypted) payload
`);

// tcpdump_isakmp4500.pcap frame 12, bytes 42..53: ESP-in-UDP on port 4500; SPI with the high
// bit set, so espSpi is a negative int32
const ESP_UDP = hex('f4 dc 0a e5  00 00 00 01  fc e4 09 c4');

describe('esp', () => {
  it('deconstruct (tcpdump_02-sunrise-sunset-esp frame 1)', () => {
    const { v, o, end } = place(ESP_IP);
    expect(espCheck(v, o, end)).toBe(ESP_HLEN);
    expect(espSpi(v, o)).toBe(0x12345678);
    expect(espSeq(v, o)).toBe(1);
  });

  it('deconstruct: SPI >= 2^31 is a negative int32 (tcpdump_isakmp4500 frame 12)', () => {
    const { v, o, end } = place(ESP_UDP);
    expect(espCheck(v, o, end)).toBe(8);
    expect(espSpi(v, o)).toBe(0xf4dc0ae5 | 0);
    expect(espSpi(v, o) >>> 0).toBe(0xf4dc0ae5);
    expect(espSeq(v, o)).toBe(1);
  });

  it('construct: espEmit writes the same bytes', () => {
    for (const [bytes, spi] of [
      [ESP_IP, 0x12345678],
      [ESP_UDP, 0xf4dc0ae5],
    ] as const) {
      const p = blank(8);
      expect(espEmit(p.v, p.o, { spi, seq: 1 })).toBe(ESP_HLEN);
      expect(toHex(bytesAt(p, 8))).toBe(toHex(bytes.subarray(0, 8)));
      expect(p.buf[p.o - 1]).toBe(0xee);
      expect(p.buf[p.o + 8]).toBe(0xee);
    }
  });

  it('emit -> check -> getters round trip, int32 or uint32 input (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.boolean(), (spi, seq, signed) => {
        const p = blank(8);
        espEmit(p.v, p.o, signed ? { spi: spi | 0, seq: seq | 0 } : { spi, seq });
        expect(espCheck(p.v, p.o, p.end)).toBe(8);
        expect(espSpi(p.v, p.o) >>> 0).toBe(spi);
        expect(espSeq(p.v, p.o) >>> 0).toBe(seq);
        expect(espSpi(p.v, p.o)).toBe(spi | 0);
      }),
    );
  });

  it('sequence 0xffffffff reads as -1 (int32), 0xffffffff unsigned', () => {
    const p = blank(8);
    espEmit(p.v, p.o, { spi: 1, seq: 0xffffffff });
    expect(toHex(bytesAt(p, 8))).toBe('00 00 00 01 ff ff ff ff');
    expect(espSeq(p.v, p.o)).toBe(-1);
    expect(espSeq(p.v, p.o) >>> 0).toBe(0xffffffff);
  });

  it('check_len: every truncation 0..7 is DROP_ESP_SHORT', () => {
    const { v, o } = place(ESP_IP);
    for (const n of truncations(8)) expect(espCheck(v, o, o + n)).toBe(-DROP_ESP_SHORT);
    expect(espCheck(v, o, o + 8)).toBe(8);
  });
});
