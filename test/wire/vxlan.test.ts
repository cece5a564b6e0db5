/**
 * VXLAN header (src/wire/vxlan.ts, RFC 7348 section 5).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DROP_VXLAN_BAD_FLAGS, DROP_VXLAN_SHORT } from '../../src/stats/drop-reasons.js';
import { VXLAN_F_I, VXLAN_HLEN, vxlanCheck, vxlanEmit, vxlanFlags, vxlanVni } from '../../src/wire/vxlan.js';
import { blank, bytesAt, hex, place, toHex, truncations } from './bytes.js';

// tcpdump_vxlan.pcap frame 1, bytes 42..49: I flag, VNI 100
const VXLAN = hex(`
  08 00 00 00   # flags: I; reserved
  00 00 64 00   # VNI 100; reserved
`);

describe('vxlan', () => {
  it('deconstruct (tcpdump_vxlan frame 1)', () => {
    const { v, o, end } = place(VXLAN);
    expect(vxlanCheck(v, o, end)).toBe(VXLAN_HLEN);
    expect(vxlanFlags(v, o)).toBe(VXLAN_F_I);
    expect(vxlanVni(v, o)).toBe(100);
  });

  it('construct: vxlanEmit writes the same bytes', () => {
    const p = blank(8);
    expect(vxlanEmit(p.v, p.o, { vni: 100 })).toBe(VXLAN_HLEN);
    expect(toHex(bytesAt(p, 8))).toBe(toHex(VXLAN));
    expect(p.buf[p.o - 1]).toBe(0xee);
    expect(p.buf[p.o + 8]).toBe(0xee);
  });

  it('VNI uses all 24 bits and the low reserved byte is ignored', () => {
    const { v, o } = place(hex('08 00 00 00  ff ff ff 00'));
    expect(vxlanVni(v, o)).toBe(0xffffff);
    const q = place(hex('08 00 00 00  80 00 01 ff'));
    expect(vxlanVni(q.v, q.o)).toBe(0x800001);
  });

  it('emit -> check -> getters round trip; the VNI is masked to 24 bits (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffff }), (vni) => {
        const p = blank(8);
        vxlanEmit(p.v, p.o, { vni });
        expect(vxlanCheck(p.v, p.o, p.end)).toBe(8);
        expect(vxlanVni(p.v, p.o)).toBe(vni);
        expect(p.v.getUint8(p.o + 7)).toBe(0);
        vxlanEmit(p.v, p.o, { vni: vni | 0x7f000000 });
        expect(vxlanVni(p.v, p.o)).toBe(vni);
        expect(vxlanFlags(p.v, p.o)).toBe(VXLAN_F_I);
      }),
    );
  });

  it('I flag missing is DROP_VXLAN_BAD_FLAGS, whatever else is set', () => {
    for (let flags = 0; flags < 256; flags++) {
      const p = blank(8);
      vxlanEmit(p.v, p.o, { vni: 100, flags });
      // RFC 7348: reserved bits "MUST be ignored on receipt"; only I matters
      expect(vxlanCheck(p.v, p.o, p.end)).toBe(flags & VXLAN_F_I ? 8 : -DROP_VXLAN_BAD_FLAGS);
    }
  });

  it('check_len: every truncation 0..7 is DROP_VXLAN_SHORT (even without the I flag)', () => {
    const { v, o } = place(VXLAN);
    for (const n of truncations(8)) expect(vxlanCheck(v, o, o + n)).toBe(-DROP_VXLAN_SHORT);
    const q = place(hex('00 00 00 00 00 00 64 00'));
    for (const n of truncations(8)) expect(vxlanCheck(q.v, q.o, q.o + n)).toBe(-DROP_VXLAN_SHORT);
  });
});
