/**
 * Checksums after a NAT rewrite of the destination address (what SLB NAT does per packet):
 * recomputing the IPv4 header checksum and the UDP checksum in full (RFC 1071, over the
 * header / the pseudo-header and the whole datagram) against the RFC 1624 incremental
 * update (eqn. 3) that gateway-forward.ts uses, and the slow byte-at-a-time reference
 * (checksum-ref.ts, over a per-packet subarray) for scale.
 *
 * Each call moves every packet's destination between the VIP and a DIP and back on the
 * next call, so the bytes stay valid whatever the number of calls. ns per packet.
 */
import { dissectBatch } from '../../src/nodes/dissect.js';
import { csumAdd, csumReplace32 } from '../../src/wire/checksum.js';
import { csumRef } from '../../src/wire/checksum-ref.js';
import { IPPROTO_UDP } from '../../src/wire/ipv4.js';
import { udpFillChecksum } from '../../src/wire/udp.js';
import type { BenchCase } from '../harness.js';
import { microBatches } from '../trace-data.js';

const DIP = 0x0a00000b; // 10.0.0.11

export function checksumCases(): BenchCase[] {
  // the NAT job: every packet IKE, NAT-T or ESP to the VIP (udp: 2 in 3)
  const { batches } = microBatches({ mode: 'nat', packets: 4096, flows: 4096 });
  for (const b of batches) dissectBatch(b);
  const dvs = batches.map((b) => b.dv);
  const l3s = batches.map((b) => b.l3.subarray(0, b.count));
  const udps = batches.map((b) => {
    const o: number[] = [];
    for (let i = 0; i < b.count; i++) if (b.proto[i] === IPPROTO_UDP) o.push(b.l3[i]!);
    return Int32Array.from(o);
  });
  const arenas = batches.map((b) => b.arena);
  const nIp = l3s.reduce((a, x) => a + x.length, 0);
  const nUdp = udps.reduce((a, x) => a + x.length, 0);

  return [
    {
      group: 'wire',
      name: 'IPv4 header checksum after NAT: full recompute (RFC 1071)',
      perOp: nIp,
      fn: () => {
        for (let k = 0; k < dvs.length; k++) {
          const v = dvs[k]!, l3 = l3s[k]!;
          for (let j = 0; j < l3.length; j++) {
            const o = l3[j]!;
            const d = v.getInt32(o + 16);
            v.setInt32(o + 16, d === DIP ? 0xcb00710a | 0 : DIP);
            v.setUint16(o + 10, 0);
            v.setUint16(o + 10, ~csumAdd(v, o, 20, 0) & 0xffff);
          }
        }
      },
    },
    {
      group: 'wire',
      name: 'IPv4 header checksum after NAT: incremental (RFC 1624)',
      perOp: nIp,
      peer: 'IPv4 header checksum after NAT: full recompute (RFC 1071)',
      fn: () => {
        for (let k = 0; k < dvs.length; k++) {
          const v = dvs[k]!, l3 = l3s[k]!;
          for (let j = 0; j < l3.length; j++) {
            const o = l3[j]!;
            const d = v.getInt32(o + 16);
            const d1 = d === DIP ? 0xcb00710a | 0 : DIP;
            v.setInt32(o + 16, d1);
            v.setUint16(o + 10, csumReplace32(v.getUint16(o + 10), d, d1));
          }
        }
      },
    },
    {
      group: 'wire',
      name: 'IPv4 header checksum after NAT: reference, byte at a time (subarray)',
      perOp: nIp,
      peer: 'IPv4 header checksum after NAT: full recompute (RFC 1071)',
      fn: () => {
        for (let k = 0; k < dvs.length; k++) {
          const v = dvs[k]!, l3 = l3s[k]!, a = arenas[k]!;
          for (let j = 0; j < l3.length; j++) {
            const o = l3[j]!;
            const d = v.getInt32(o + 16);
            v.setInt32(o + 16, d === DIP ? 0xcb00710a | 0 : DIP);
            v.setUint16(o + 10, 0);
            v.setUint16(o + 10, csumRef(a.subarray(o, o + 20)));
          }
        }
      },
    },
    {
      group: 'wire',
      name: 'UDP checksum after NAT: full recompute over the datagram',
      perOp: nUdp,
      fn: () => {
        for (let k = 0; k < dvs.length; k++) {
          const v = dvs[k]!, l3 = udps[k]!;
          for (let j = 0; j < l3.length; j++) {
            const o = l3[j]!;
            const d = v.getInt32(o + 16);
            const d1 = d === DIP ? 0xcb00710a | 0 : DIP;
            v.setInt32(o + 16, d1);
            const u = o + 20;
            udpFillChecksum(v, u, v.getUint16(u + 4), v.getInt32(o + 12), d1);
          }
        }
      },
    },
    {
      group: 'wire',
      name: 'UDP checksum after NAT: incremental (RFC 1624)',
      perOp: nUdp,
      peer: 'UDP checksum after NAT: full recompute over the datagram',
      fn: () => {
        for (let k = 0; k < dvs.length; k++) {
          const v = dvs[k]!, l3 = udps[k]!;
          for (let j = 0; j < l3.length; j++) {
            const o = l3[j]!;
            const d = v.getInt32(o + 16);
            const d1 = d === DIP ? 0xcb00710a | 0 : DIP;
            v.setInt32(o + 16, d1);
            const c = v.getUint16(o + 26);
            if (c !== 0) {
              const c1 = csumReplace32(c, d, d1);
              v.setUint16(o + 26, c1 === 0 ? 0xffff : c1);
            }
          }
        }
      },
    },
  ];
}
