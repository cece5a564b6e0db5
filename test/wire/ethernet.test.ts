/**
 * Ethernet II header (src/wire/ethernet.ts), smoltcp style: deconstruct real bytes,
 * construct the same bytes, check_len.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DROP_ETH_SHORT } from '../../src/stats/drop-reasons.js';
import {
  ETH_HLEN,
  ETHERTYPE_IP4,
  ETHERTYPE_VLAN,
  ethCheck,
  ethDstHi,
  ethDstLo,
  ethEmit,
  ethSetDst,
  ethSetSrc,
  ethSetType,
  ethSrcHi,
  ethSrcLo,
  ethType,
  macParse,
  macToString,
} from '../../src/wire/ethernet.js';
import { blank, bytesAt, hex, place, toHex, truncations } from './bytes.js';

// zeek_http-vlan-0.pcap frame 1, bytes 0..13: dst 00:10:db:88:d2:ef, src c8:bc:c8:96:d2:a0
// (first octet >= 0x80: the 32-bit high part is a negative int32), type 0x8100 (802.1Q)
const VLAN_FRAME_ETH = hex('00 10 db 88 d2 ef  c8 bc c8 96 d2 a0  81 00');
// tcpdump_vxlan.pcap frame 1, bytes 0..13: dst 00:16:3e:08:71:cf, src 36:dc:85:1e:b3:40, IPv4
const VXLAN_FRAME_ETH = hex('00 16 3e 08 71 cf  36 dc 85 1e b3 40  08 00');

describe('ethernet', () => {
  it('deconstruct (zeek_http-vlan-0 frame 1)', () => {
    const { v, o } = place(VLAN_FRAME_ETH);
    expect(ethCheck(v, o, o + 14)).toBe(ETH_HLEN);
    expect(ethDstHi(v, o)).toBe(0x0010db88);
    expect(ethDstLo(v, o)).toBe(0xd2ef);
    expect(ethSrcHi(v, o)).toBe(0xc8bcc896 | 0);
    expect(ethSrcHi(v, o)).toBeLessThan(0);
    expect(ethSrcLo(v, o)).toBe(0xd2a0);
    expect(ethType(v, o)).toBe(ETHERTYPE_VLAN);
    expect(macToString(ethDstHi(v, o), ethDstLo(v, o))).toBe('00:10:db:88:d2:ef');
    expect(macToString(ethSrcHi(v, o), ethSrcLo(v, o))).toBe('c8:bc:c8:96:d2:a0');
  });

  it('deconstruct (tcpdump_vxlan frame 1)', () => {
    const { v, o } = place(VXLAN_FRAME_ETH);
    expect(macToString(ethDstHi(v, o), ethDstLo(v, o))).toBe('00:16:3e:08:71:cf');
    expect(macToString(ethSrcHi(v, o), ethSrcLo(v, o))).toBe('36:dc:85:1e:b3:40');
    expect(ethType(v, o)).toBe(ETHERTYPE_IP4);
  });

  it('construct: ethEmit writes the same bytes', () => {
    for (const [bytes, dst, src, type] of [
      [VLAN_FRAME_ETH, '00:10:db:88:d2:ef', 'c8:bc:c8:96:d2:a0', ETHERTYPE_VLAN],
      [VXLAN_FRAME_ETH, '00:16:3e:08:71:cf', '36:DC:85:1E:B3:40', ETHERTYPE_IP4],
    ] as const) {
      const p = blank(14);
      expect(ethEmit(p.v, p.o, { dst, src, type })).toBe(ETH_HLEN);
      expect(toHex(bytesAt(p, 14))).toBe(toHex(bytes));
      // nothing written outside the header
      expect(p.buf[p.o - 1]).toBe(0xee);
      expect(p.buf[p.o + 14]).toBe(0xee);
    }
  });

  it('construct: setters write the fields that the getters read', () => {
    const p = blank(14);
    ethSetDst(p.v, p.o, 0xc8bcc896 | 0, 0xd2a0);
    ethSetSrc(p.v, p.o, 0x0010db88, 0xd2ef);
    ethSetType(p.v, p.o, 0x88a8);
    expect(toHex(bytesAt(p, 14))).toBe('c8 bc c8 96 d2 a0 00 10 db 88 d2 ef 88 a8');
    expect(ethDstHi(p.v, p.o)).toBe(0xc8bcc896 | 0);
    expect(ethSrcLo(p.v, p.o)).toBe(0xd2ef);
    expect(ethType(p.v, p.o)).toBe(0x88a8);
  });

  it('check_len: every truncation 0..13 is DROP_ETH_SHORT', () => {
    const { v, o } = place(VXLAN_FRAME_ETH);
    for (const n of truncations(14)) expect(ethCheck(v, o, o + n)).toBe(-DROP_ETH_SHORT);
    expect(ethCheck(v, o, o + 14)).toBe(14);
    expect(ethCheck(v, o, o + 1514)).toBe(14);
  });

  it('macParse / macToString round trip (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (b) => {
        const s = [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
        const m = macParse(s);
        expect(m).not.toBeNull();
        expect(macToString(m![0], m![1])).toBe(s);
        const p = blank(14);
        ethEmit(p.v, p.o, { dst: s, src: s, type: 0 });
        expect([...bytesAt(p, 6)]).toEqual([...b]);
        expect(ethDstHi(p.v, p.o)).toBe(m![0]);
        expect(ethDstLo(p.v, p.o)).toBe(m![1]);
      }),
    );
  });

  it.each(['', '00:10:db:88:d2', '00:10:db:88:d2:ef:00', '00-10-db-88-d2-ef', '0:10:db:88:d2:ef', '00:10:db:88:d2:eg', '0010.db88.d2ef', ' 00:10:db:88:d2:ef'])(
    'macParse rejects %j',
    (s) => {
      expect(macParse(s)).toBeNull();
    },
  );
});
