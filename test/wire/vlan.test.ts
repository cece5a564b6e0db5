/**
 * IEEE 802.1Q / 802.1ad tags (src/wire/vlan.ts). `o` points at the TCI; the TPID is the
 * type field before it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DROP_VLAN_SHORT } from '../../src/stats/drop-reasons.js';
import { ETHERTYPE_ARP, ETHERTYPE_IP4, ETHERTYPE_QINQ, ETHERTYPE_VLAN, ethType } from '../../src/wire/ethernet.js';
import { VLAN_HLEN, vlanCheck, vlanDei, vlanEmit, vlanId, vlanPcp, vlanSetId, vlanType } from '../../src/wire/vlan.js';
import { blank, bytesAt, hex, place, toHex, truncations } from './bytes.js';

// zeek_http-vlan-0.pcap frame 1, bytes 14..17: TCI b000 = PCP 5, DEI 1, VID 0 (priority tag); IPv4
const TAG_PRIO = hex('b0 00  08 00');

// tcpdump_802.1ad_QinQ.pcap frame 1, bytes 12..21: TPID 88a8, S-tag VID 200; TPID 8100,
// C-tag VID 2001; ARP
const QINQ = hex(`
  88 a8        # ethertype: 802.1ad S-tag follows
  00 c8 81 00  # S-tag: PCP 0 DEI 0 VID 200, next 0x8100
  07 d1 08 06  # C-tag: PCP 0 DEI 0 VID 2001, ARP
`);

// pcpp_VlanPackets.pcap frame 1, bytes 12..21: two 0x8100 tags (VID 118 then VID 10); IPv4
const DOUBLE_8100 = hex('81 00  00 76 81 00  00 0a 08 00');

describe('vlan', () => {
  it('deconstruct: priority tag with PCP and DEI (zeek_http-vlan-0 frame 1)', () => {
    const { v, o, end } = place(TAG_PRIO);
    expect(vlanCheck(v, o, end)).toBe(VLAN_HLEN);
    expect(vlanPcp(v, o)).toBe(5);
    expect(vlanDei(v, o)).toBe(1);
    expect(vlanId(v, o)).toBe(0);
    expect(vlanType(v, o)).toBe(ETHERTYPE_IP4);
  });

  it('deconstruct: 802.1ad S-tag then C-tag (tcpdump_802.1ad_QinQ frame 1)', () => {
    const { v, o, end } = place(QINQ);
    expect(ethType(v, o - 12)).toBe(ETHERTYPE_QINQ); // the type field of an Ethernet header at o-12
    const t1 = o + 2;
    expect(vlanCheck(v, t1, end)).toBe(4);
    expect(vlanId(v, t1)).toBe(200);
    expect(vlanPcp(v, t1)).toBe(0);
    expect(vlanDei(v, t1)).toBe(0);
    expect(vlanType(v, t1)).toBe(ETHERTYPE_VLAN);
    const t2 = t1 + 4;
    expect(vlanCheck(v, t2, end)).toBe(4);
    expect(vlanId(v, t2)).toBe(2001);
    expect(vlanType(v, t2)).toBe(ETHERTYPE_ARP);
  });

  it('deconstruct: two 0x8100 tags (pcpp_VlanPackets frame 1)', () => {
    const { v, o, end } = place(DOUBLE_8100);
    expect(vlanId(v, o + 2)).toBe(118);
    expect(vlanType(v, o + 2)).toBe(ETHERTYPE_VLAN);
    expect(vlanCheck(v, o + 6, end)).toBe(4);
    expect(vlanId(v, o + 6)).toBe(10);
    expect(vlanType(v, o + 6)).toBe(ETHERTYPE_IP4);
  });

  it('construct: vlanEmit writes the same bytes', () => {
    let p = blank(4);
    expect(vlanEmit(p.v, p.o, { pcp: 5, dei: 1, id: 0, type: ETHERTYPE_IP4 })).toBe(VLAN_HLEN);
    expect(toHex(bytesAt(p, 4))).toBe(toHex(TAG_PRIO));
    p = blank(8);
    vlanEmit(p.v, p.o, { id: 200, type: ETHERTYPE_VLAN });
    vlanEmit(p.v, p.o + 4, { id: 2001, type: ETHERTYPE_ARP });
    expect(toHex(bytesAt(p, 8))).toBe(toHex(QINQ.subarray(2)));
    expect(p.buf[p.o + 8]).toBe(0xee);
  });

  it('emit/getter round trip; out-of-range fields are masked, not spilled (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 0, max: 0xffff }), (pcp, dei, id, type) => {
        const p = blank(4);
        vlanEmit(p.v, p.o, { pcp, dei, id, type });
        expect(vlanCheck(p.v, p.o, p.o + 4)).toBe(4);
        expect([vlanPcp(p.v, p.o), vlanDei(p.v, p.o), vlanId(p.v, p.o), vlanType(p.v, p.o)]).toEqual([pcp, dei, id, type]);
        vlanEmit(p.v, p.o, { pcp, dei, id: id | 0xf000, type });
        expect([vlanPcp(p.v, p.o), vlanDei(p.v, p.o), vlanId(p.v, p.o)]).toEqual([pcp, dei, id]);
      }),
    );
  });

  it('vlanSetId keeps PCP, DEI and the inner type', () => {
    const { v, o } = place(TAG_PRIO);
    vlanSetId(v, o, 0xabc);
    expect([vlanPcp(v, o), vlanDei(v, o), vlanId(v, o), vlanType(v, o)]).toEqual([5, 1, 0xabc, ETHERTYPE_IP4]);
    vlanSetId(v, o, 0x1fff); // masked to 12 bits
    expect([vlanPcp(v, o), vlanDei(v, o), vlanId(v, o)]).toEqual([5, 1, 0xfff]);
  });

  it('check_len: every truncation 0..3 is DROP_VLAN_SHORT', () => {
    const { v, o } = place(TAG_PRIO);
    for (const n of truncations(4)) expect(vlanCheck(v, o, o + n)).toBe(-DROP_VLAN_SHORT);
  });
});
