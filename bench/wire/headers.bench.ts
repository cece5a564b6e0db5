/**
 * Each header's parse (the `xxxCheck` validation of src/wire/, plus the field reads the
 * dissector does after it), one header kind per case, over the headers of that kind found
 * in the trace mix (offsets from one dissect pass, outside the timing). ns per header.
 * VXLAN is not in the trace: 256 VXLAN frames are built for it.
 *
 * Each loop is written out (not a loop over a function parameter) so that every call site
 * stays monomorphic and the small check functions are inlined, as in the dissector.
 */
import { ENCAP_ESP, ENCAP_GRE, ENCAP_IKE, ENCAP_NATT_ESP, ENCAP_NATT_IKE, ENCAP_NVGRE, PacketBatch } from '../../src/batch/packet-batch.js';
import { dissectBatch } from '../../src/nodes/dissect.js';
import { espCheck } from '../../src/wire/esp.js';
import { ethCheck } from '../../src/wire/ethernet.js';
import { greCheck } from '../../src/wire/gre.js';
import { ikeCheck } from '../../src/wire/ike.js';
import { IPPROTO_TCP, IPPROTO_UDP, ip4Check, ip4ChecksumOk } from '../../src/wire/ipv4.js';
import { nattClassify } from '../../src/wire/natt.js';
import { tcpCheck } from '../../src/wire/tcp.js';
import { udpCheck } from '../../src/wire/udp.js';
import { vlanCheck } from '../../src/wire/vlan.js';
import { vxlanCheck, vxlanEmit } from '../../src/wire/vxlan.js';
import type { BenchCase } from '../harness.js';
import { microBatches } from '../trace-data.js';

/** Offsets (and ends) of one header kind, with the batch each lives in. */
interface Spots {
  dv: DataView[];
  o: Int32Array[];
  end: Int32Array[];
  n: number;
}

function collect(batches: PacketBatch[], pick: (b: PacketBatch, i: number) => [number, number] | null): Spots {
  const s: Spots = { dv: [], o: [], end: [], n: 0 };
  for (const b of batches) {
    const o: number[] = [];
    const e: number[] = [];
    for (let i = 0; i < b.count; i++) {
      const p = pick(b, i);
      if (p) {
        o.push(p[0]);
        e.push(p[1]);
      }
    }
    if (o.length === 0) continue;
    s.dv.push(b.dv);
    s.o.push(Int32Array.from(o));
    s.end.push(Int32Array.from(e));
    s.n += o.length;
  }
  return s;
}

let sink = 0;

export function headerCases(): BenchCase[] {
  const { batches } = microBatches();
  for (const b of batches) dissectBatch(b);
  const capEnd = (b: PacketBatch, i: number): number => b.base[i]! + b.len[i]!;
  const eth = collect(batches, (b, i) => [b.base[i]!, capEnd(b, i)]);
  const vlan = collect(batches, (b, i) => (b.vlanCount[i]! > 0 ? [b.base[i]! + 14, capEnd(b, i)] : null));
  const ip4 = collect(batches, (b, i) => (b.l3[i]! >= 0 ? [b.l3[i]!, capEnd(b, i)] : null));
  const udp = collect(batches, (b, i) => (b.proto[i] === IPPROTO_UDP ? [b.l4[i]!, b.ipEnd[i]!] : null));
  const tcp = collect(batches, (b, i) =>
    b.proto[i] === IPPROTO_TCP ? [b.l4[i]!, b.ipEnd[i]!] : b.iproto[i] === IPPROTO_TCP && b.il4[i]! >= 0 ? [b.il4[i]!, capEnd(b, i)] : null,
  );
  const gre = collect(batches, (b, i) => (b.encap[i] === ENCAP_GRE || b.encap[i] === ENCAP_NVGRE ? [b.l4[i]!, b.ipEnd[i]!] : null));
  const esp = collect(batches, (b, i) => (b.encap[i] === ENCAP_ESP || b.encap[i] === ENCAP_NATT_ESP ? [b.tun[i]!, b.ipEnd[i]!] : null));
  const natt = collect(batches, (b, i) => (b.encap[i] === ENCAP_NATT_ESP || b.encap[i] === ENCAP_NATT_IKE ? [b.l4[i]! + 8, b.ipEnd[i]!] : null));
  const ike = collect(batches, (b, i) => (b.encap[i] === ENCAP_IKE || b.encap[i] === ENCAP_NATT_IKE ? [b.tun[i]!, b.ipEnd[i]!] : null));

  // VXLAN (RFC 7348): 256 headers of 8 bytes with the I flag and a VNI.
  const vx = new PacketBatch(256, 256 * 16);
  const vxo = new Int32Array(256);
  const vxe = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    vxo[i] = i * 16;
    vxe[i] = i * 16 + 16;
    vxlanEmit(vx.dv, i * 16, { vni: 5000 + i });
  }
  const vxlan: Spots = { dv: [vx.dv], o: [vxo], end: [vxe], n: 256 };

  const c = (name: string, s: Spots, fn: () => void): BenchCase => ({ group: 'wire', name: `parse ${name}`, perOp: s.n, fn });
  return [
    c('Ethernet (ethCheck + type)', eth, () => {
      let x = 0;
      for (let k = 0; k < eth.dv.length; k++) {
        const v = eth.dv[k]!, o = eth.o[k]!, e = eth.end[k]!;
        for (let j = 0; j < o.length; j++) x ^= ethCheck(v, o[j]!, e[j]!) ^ v.getUint16(o[j]! + 12);
      }
      sink ^= x;
    }),
    c('802.1Q tag (vlanCheck + id, type)', vlan, () => {
      let x = 0;
      for (let k = 0; k < vlan.dv.length; k++) {
        const v = vlan.dv[k]!, o = vlan.o[k]!, e = vlan.end[k]!;
        for (let j = 0; j < o.length; j++) x ^= vlanCheck(v, o[j]!, e[j]!) ^ (v.getUint16(o[j]!) & 0xfff) ^ v.getUint16(o[j]! + 2);
      }
      sink ^= x;
    }),
    c('IPv4 (ip4Check + addresses, protocol)', ip4, () => {
      let x = 0;
      for (let k = 0; k < ip4.dv.length; k++) {
        const v = ip4.dv[k]!, o = ip4.o[k]!, e = ip4.end[k]!;
        for (let j = 0; j < o.length; j++) x ^= ip4Check(v, o[j]!, e[j]!) ^ v.getInt32(o[j]! + 12) ^ v.getInt32(o[j]! + 16) ^ v.getUint8(o[j]! + 9);
      }
      sink ^= x;
    }),
    c('IPv4 + header checksum verified (RFC 1071)', ip4, () => {
      let x = 0;
      for (let k = 0; k < ip4.dv.length; k++) {
        const v = ip4.dv[k]!, o = ip4.o[k]!, e = ip4.end[k]!;
        for (let j = 0; j < o.length; j++) {
          const h = ip4Check(v, o[j]!, e[j]!);
          x ^= h ^ v.getInt32(o[j]! + 12) ^ v.getInt32(o[j]! + 16) ^ (ip4ChecksumOk(v, o[j]!, h) ? 1 : 0);
        }
      }
      sink ^= x;
    }),
    c('UDP (udpCheck + ports)', udp, () => {
      let x = 0;
      for (let k = 0; k < udp.dv.length; k++) {
        const v = udp.dv[k]!, o = udp.o[k]!, e = udp.end[k]!;
        for (let j = 0; j < o.length; j++) x ^= udpCheck(v, o[j]!, e[j]!) ^ v.getInt32(o[j]!);
      }
      sink ^= x;
    }),
    c('TCP (tcpCheck + ports)', tcp, () => {
      let x = 0;
      for (let k = 0; k < tcp.dv.length; k++) {
        const v = tcp.dv[k]!, o = tcp.o[k]!, e = tcp.end[k]!;
        for (let j = 0; j < o.length; j++) x ^= tcpCheck(v, o[j]!, e[j]!) ^ v.getInt32(o[j]!);
      }
      sink ^= x;
    }),
    c('GRE (greCheck + protocol, key)', gre, () => {
      let x = 0;
      for (let k = 0; k < gre.dv.length; k++) {
        const v = gre.dv[k]!, o = gre.o[k]!, e = gre.end[k]!;
        for (let j = 0; j < o.length; j++) {
          const f = v.getUint16(o[j]!);
          x ^= greCheck(v, o[j]!, e[j]!) ^ v.getUint16(o[j]! + 2) ^ ((f & 0x2000) !== 0 ? v.getInt32(o[j]! + 4 + ((f >>> 13) & 4)) : 0);
        }
      }
      sink ^= x;
    }),
    c('ESP (espCheck + SPI, sequence)', esp, () => {
      let x = 0;
      for (let k = 0; k < esp.dv.length; k++) {
        const v = esp.dv[k]!, o = esp.o[k]!, e = esp.end[k]!;
        for (let j = 0; j < o.length; j++) x ^= espCheck(v, o[j]!, e[j]!) ^ v.getInt32(o[j]!) ^ v.getInt32(o[j]! + 4);
      }
      sink ^= x;
    }),
    c('NAT-T classify (RFC 3948: marker, keepalive, ESP)', natt, () => {
      let x = 0;
      for (let k = 0; k < natt.dv.length; k++) {
        const v = natt.dv[k]!, o = natt.o[k]!, e = natt.end[k]!;
        for (let j = 0; j < o.length; j++) x ^= nattClassify(v, o[j]!, e[j]!);
      }
      sink ^= x;
    }),
    c('IKE header (ikeCheck + SPI, exchange)', ike, () => {
      let x = 0;
      for (let k = 0; k < ike.dv.length; k++) {
        const v = ike.dv[k]!, o = ike.o[k]!, e = ike.end[k]!;
        for (let j = 0; j < o.length; j++) x ^= ikeCheck(v, o[j]!, e[j]!) ^ v.getInt32(o[j]!) ^ v.getUint8(o[j]! + 18);
      }
      sink ^= x;
    }),
    c('VXLAN (vxlanCheck + VNI)', vxlan, () => {
      let x = 0;
      const v = vxlan.dv[0]!, o = vxlan.o[0]!, e = vxlan.end[0]!;
      for (let j = 0; j < o.length; j++) x ^= vxlanCheck(v, o[j]!, e[j]!) ^ (v.getUint32(o[j]! + 4) >>> 8);
      sink ^= x;
      if (sink === 0x7fffffff) console.log(sink);
    }),
  ];
}
