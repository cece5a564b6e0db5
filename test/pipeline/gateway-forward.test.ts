/**
 * The gateway data path (issue: data plane): SLB NAT by source IP and back, GRE VIPs, L3
 * CA IPs on overlapping tenant spaces, NVGRE -> tunnel ECMP with flow stickiness, takeover,
 * scale-out determinism, delivery by IP-in-IP. Each test drives the real dissector and data
 * path over frames built with the wire layer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENCAP_IPIP, type PacketBatch } from '../../src/batch/packet-batch.js';
import { parseConfig } from '../../src/control/config-load.js';
import type { GwConfig } from '../../src/control/config-schema.js';
import { makeHashKey } from '../../src/lb/hash.js';
import { dissectBatch } from '../../src/nodes/dissect.js';
import { NEXT_DROP, NEXT_GATEWAY, NEXT_REPLY, NEXT_TUNNEL } from '../../src/nodes/gateway-forward.js';
import { DROP_NO_NAT_RULE, DROP_POOL_DEGRADED, DROP_UNKNOWN_VSID, DROP_NO_ROUTE, DROP_NOT_FOR_US } from '../../src/stats/drop-reasons.js';
import { csumAdd, csumPseudo } from '../../src/wire/checksum.js';
import { ip4ChecksumOk } from '../../src/wire/ipv4.js';
import { ip4ToString } from '../../src/wire/view.js';
import { batchOf, esp, greToVip, ike, nattEsp, nvgre, Plane, udp } from './frames.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const demoText = fs.readFileSync(path.join(root, 'fixtures/configs/demo.yaml'), 'utf8');
const demo = (): GwConfig => parseConfig(demoText, 'demo.yaml');
const KEY = makeHashKey('test');

/** Every IPv4 header and UDP/TCP checksum of packet i verifies by full recomputation. */
function checksumsValid(b: PacketBatch, i: number): boolean {
  dissectBatch(b);
  const v = b.dv;
  const l3 = b.l3[i]!;
  if (!ip4ChecksumOk(v, l3, (v.getUint8(l3) & 15) << 2)) return false;
  const l4 = b.l4[i]!;
  if (b.proto[i] === 17 && v.getUint16(l4 + 6) !== 0) {
    const len = v.getUint16(l4 + 4);
    if (csumAdd(v, l4, len, csumPseudo(b.src[i]!, b.dst[i]!, 17, len)) !== 0xffff) return false;
  }
  return b.drop[i] === 0;
}

describe('SLB NAT by (VIP, source IP)', () => {
  it('IKE on 500 and NAT-T on 4500 of one tenant reach the same gateway, rewritten to its DIP', () => {
    const p = new Plane(demo(), KEY);
    const b = p.run(batchOf([ike('192.0.2.1', '203.0.113.10'), nattEsp('192.0.2.1', '203.0.113.10', 0x1001, 40001, 4500), esp('192.0.2.2', '203.0.113.10', 0x2002)]));
    for (let i = 0; i < 3; i++) {
      expect(b.next[i]).toBe(NEXT_GATEWAY);
      expect(p.ctl.gatewayName(b.target[i]!)).toBe('gw1'); // contoso's designated gateway (best fit)
      expect(ip4ToString(b.dst[i]!)).toBe('10.0.0.11');
    }
    // destination MAC is the gateway's
    expect(b.arena.subarray(b.base[0]!, b.base[0]! + 6).toString('hex')).toBe('020000000011');
    for (let i = 0; i < 3; i++) expect(checksumsValid(b, i)).toBe(true);
    // woodgrove's public IPs go to gw2
    const w = p.run(batchOf([nattEsp('198.51.100.2', '203.0.113.10', 0x3003)]));
    expect(p.ctl.gatewayName(w.target[0]!)).toBe('gw2');
  });

  it('NAT there and back restores the original addresses; checksums verify by full recomputation', () => {
    const p = new Plane(demo(), KEY);
    const f = nattEsp('192.0.2.1', '203.0.113.10', 0x1001, 40001, 4500);
    const orig = batchOf([f]);
    const origBytes = Buffer.from(orig.arena.subarray(orig.base[0]!, orig.base[0]! + orig.len[0]!));
    const b = p.run(batchOf([f]));
    expect(checksumsValid(b, 0)).toBe(true);
    // the gateway replies: swap addresses and ports of the NATed packet
    const reply = batchOf([udp('10.0.0.11', '192.0.2.1', 4500, 40001, { payload: 40, fill: (v, o) => v.setUint32(o, 0x1001) })]);
    p.run(reply);
    expect(reply.next[0]).toBe(NEXT_REPLY);
    expect(ip4ToString(reply.src[0]!)).toBe('203.0.113.10');
    expect(checksumsValid(reply, 0)).toBe(true);
    // the reply is the mirror of what the tenant sent: same addresses, reversed
    const v = reply.dv;
    const l3 = reply.l3[0]!;
    expect(ip4ToString(v.getInt32(l3 + 12))).toBe(ip4ToString(origBytes.readInt32BE(14 + 16)));
    expect(ip4ToString(v.getInt32(l3 + 16))).toBe(ip4ToString(origBytes.readInt32BE(14 + 12)));
  });

  it('a zero UDP checksum stays zero through NAT', () => {
    const p = new Plane(demo(), KEY);
    const b = p.run(batchOf([udp('192.0.2.1', '203.0.113.10', 4500, 4500, { payload: 40, zeroCsum: true, fill: (v, o) => v.setUint32(o, 0x1001) })]));
    expect(b.next[0]).toBe(NEXT_GATEWAY);
    expect(b.dv.getUint16(b.l4[0]! + 6)).toBe(0);
    expect(checksumsValid(b, 0)).toBe(true);
  });

  it('no rule for the source: dropped with no_nat_rule', () => {
    const p = new Plane(demo(), KEY);
    const b = p.run(batchOf([ike('9.9.9.9', '203.0.113.10')]));
    expect(b.next[0]).toBe(NEXT_DROP);
    expect(b.drop[0]).toBe(DROP_NO_NAT_RULE);
    expect(p.ctx.counters.drops[DROP_NO_NAT_RULE]).toBe(1);
  });
});

describe('GRE VIPs and L3 CA IPs', () => {
  it('GRE to a GRE VIP goes to its owner, and to the standby after takeover', () => {
    const p = new Plane(demo(), KEY);
    let b = p.run(batchOf([greToVip('192.0.2.1', '198.51.100.21'), greToVip('198.51.100.1', '198.51.100.22', 5)]));
    expect([p.ctl.gatewayName(b.target[0]!), p.ctl.gatewayName(b.target[1]!)]).toEqual(['gw4', 'gw5']);
    p.ctl.gatewayDown('gw4', 0);
    b = p.run(batchOf([greToVip('192.0.2.1', '198.51.100.21'), greToVip('198.51.100.1', '198.51.100.22', 5)]));
    expect([p.ctl.gatewayName(b.target[0]!), p.ctl.gatewayName(b.target[1]!)]).toEqual(['gw6', 'gw5']);
  });

  it('overlapping CA spaces never cross tenants: the VLAN is part of every lookup', () => {
    // Put Woodgrove's L3 connection on another gateway than Contoso's (gw9, a tight best fit).
    const text = demoText
      .replace('{ name: pool-l3, kind: l3, active: 1, standby: 1 }', '{ name: pool-l3, kind: l3, active: 2, standby: 1 }')
      .replace(
        '  - { name: gw8,',
        '  - { name: gw9, dip: 10.0.0.19, mac: 02:00:00:00:00:19, pool: pool-l3, role: active, priority: 100, capacity_mbps: 150 }\n  - { name: gw8,',
      );
    const p = new Plane(parseConfig(text, 'l3.yaml'), KEY);
    const frames = [udp('10.127.134.2', '10.127.134.1', 179, 179, { vlan: 1001 }), udp('10.127.134.2', '10.127.134.1', 179, 179, { vlan: 1002 }), udp('10.127.134.2', '10.127.134.1', 179, 179, { vlan: 1003 })];
    const b = p.run(batchOf(frames));
    const contoso = p.ctl.gatewayName(b.target[0]!);
    const woodgrove = p.ctl.gatewayName(b.target[1]!);
    expect(contoso).not.toBe(woodgrove);
    expect(p.ctl.placement.l3['1001/10.127.134.1']!.gateway).toBe(contoso);
    expect(p.ctl.placement.l3['1002/10.127.134.1']!.gateway).toBe(woodgrove);
    expect(b.next[2]).toBe(NEXT_DROP); // VLAN of no tenant
    expect(b.drop[2]).toBe(DROP_NOT_FOR_US);
    // after the Contoso owner fails, Woodgrove's CA IP does not move with it
    p.ctl.gatewayDown(contoso, 0);
    const c = p.run(batchOf(frames));
    expect(p.ctl.gatewayName(c.target[1]!)).toBe(woodgrove);
    expect(p.ctl.gatewayName(c.target[0]!)).not.toBe(contoso);
  });
});

/** Tunnel chosen for each of `n` flows of a site (VSID 5002 -> woodgrove-dc). */
function tunnelsOf(p: Plane, n: number, nowMs: number): Int32Array {
  const out = new Int32Array(n);
  const chunk = 2048;
  for (let s = 0; s < n; s += chunk) {
    const frames = [];
    for (let k = s; k < Math.min(n, s + chunk); k++) {
      frames.push(nvgre(5002, (0x0a100000 + k) | 0, (0xac110000 + (k % 65000)) | 0, 1024 + (k % 50000), 443));
    }
    const b = p.run(batchOf(frames), nowMs);
    for (let i = 0; i < b.count; i++) {
      expect(b.next[i]).toBe(NEXT_TUNNEL);
      out[s + i] = b.target[i]!;
    }
  }
  return out;
}

describe('tunnel ECMP with flow stickiness (100k flows)', () => {
  const weighted = demoText
    .replace('key: 2001, weight: 1', 'key: 2001, weight: 1')
    .replace('key: 2002, weight: 1', 'key: 2002, weight: 2')
    .replace('key: 2003, weight: 1', 'key: 2003, weight: 3')
    .replace('key: 2004, weight: 1', 'key: 2004, weight: 4');

  it('only the failed tunnel\'s flows move, spread by weight within 2%; recovery moves none', () => {
    const cfg = parseConfig(weighted, 'weighted.yaml');
    const p = new Plane(cfg, KEY);
    const N = 100_000;
    const before = tunnelsOf(p, N, 0);
    const again = tunnelsOf(p, N, 10);
    expect(Array.from(again)).toEqual(Array.from(before)); // same flow, same tunnel
    const t1 = p.ctl.tunnelIndex.get('woodgrove-dc/t1')!;
    // initial shares follow the weights 1:2:3:4
    const share = (arr: Int32Array, t: number) => arr.filter((x) => x === t).length / arr.length;
    for (const [name, w] of [['t1', 1], ['t2', 2], ['t3', 3], ['t4', 4]] as const) {
      expect(Math.abs(share(before, p.ctl.tunnelIndex.get(`woodgrove-dc/${name}`)!) - w / 10)).toBeLessThan(0.02);
    }
    p.ctl.setTunnel('woodgrove-dc', 't1', false, 20);
    const after = tunnelsOf(p, N, 20);
    let moved = 0;
    const to = new Map<number, number>();
    for (let k = 0; k < N; k++) {
      if (before[k] === t1) {
        expect(after[k]).not.toBe(t1);
        moved++;
        to.set(after[k]!, (to.get(after[k]!) ?? 0) + 1);
      } else expect(after[k]).toBe(before[k]); // flows on surviving tunnels never move
    }
    expect(moved).toBeGreaterThan(5000);
    for (const [name, w] of [['t2', 2], ['t3', 3], ['t4', 4]] as const) {
      const got = (to.get(p.ctl.tunnelIndex.get(`woodgrove-dc/${name}`)!) ?? 0) / moved;
      expect(Math.abs(got - w / 9)).toBeLessThan(0.02);
    }
    // recovery of t1 moves no existing flow
    p.ctl.setTunnel('woodgrove-dc', 't1', true, 30);
    const recovered = tunnelsOf(p, N, 30);
    expect(Array.from(recovered)).toEqual(Array.from(after));
  });

  it('two independent instances with the same config and key choose the same tunnel for every new flow', () => {
    const a = new Plane(demo(), KEY);
    const b = new Plane(demo(), makeHashKey('test'));
    const ta = tunnelsOf(a, 20_000, 0);
    const tb = tunnelsOf(b, 20_000, 0);
    expect(Array.from(tb)).toEqual(Array.from(ta));
    // and the same after the same failure
    a.ctl.gatewayDown('gw4', 0);
    b.ctl.gatewayDown('gw4', 0);
    const fa = new Plane(demo(), KEY);
    fa.ctl.gatewayDown('gw4', 0);
    expect(Array.from(tunnelsOf(fa, 5000, 0))).toEqual(Array.from(tunnelsOf(b, 5000, 5)).slice(0, 5000));
  });

  it('re-encapsulates in GRE to the remote device from the local IP with the key, checksums valid', () => {
    const p = new Plane(demo(), KEY);
    const b = p.run(batchOf([nvgre(5001, '10.5.0.9', '172.16.4.4', 3333, 443)]));
    expect(b.next[0]).toBe(NEXT_TUNNEL);
    const t = b.target[0]!;
    const T = p.ctl.tables;
    dissectBatch(b);
    expect(b.drop[0]).toBe(0);
    expect(b.proto[0]).toBe(47);
    expect(b.src[0]).toBe(T.tunLocal[t]);
    expect(b.dst[0]).toBe(T.tunRemote[t]);
    expect(b.greKey[0]).toBe(T.tunKey[t]);
    expect(b.greProto[0]).toBe(0x0800);
    expect(ip4ToString(b.isrc[0]!)).toBe('10.5.0.9');
    expect(ip4ToString(b.idst[0]!)).toBe('172.16.4.4');
    expect(checksumsValid(b, 0)).toBe(true);
    const il3 = b.il3[0]!;
    expect(ip4ChecksumOk(b.dv, il3, 20)).toBe(true);
    const il4 = b.il4[0]!;
    const seg = b.dv.getUint16(il3 + 2) - 20;
    expect(csumAdd(b.dv, il4, seg, csumPseudo(b.isrc[0]!, b.idst[0]!, 6, seg))).toBe(0xffff);
  });

  it('unknown VSID and unrouted inner destinations are dropped with their reasons', () => {
    const p = new Plane(demo(), KEY);
    const b = p.run(batchOf([nvgre(4242, '10.0.0.1', '172.16.0.1', 1, 2), nvgre(5001, '10.0.0.1', '8.8.8.8', 1, 2)]));
    expect([b.drop[0], b.drop[1]]).toEqual([DROP_UNKNOWN_VSID, DROP_NO_ROUTE]);
  });
});

describe('takeover', () => {
  it('a failed gateway\'s SLB NAT rules go to the standby; it rejoins as standby; no standby left degrades the pool', () => {
    const p = new Plane(demo(), KEY);
    const send = () => p.run(batchOf([ike('192.0.2.1', '203.0.113.10'), ike('198.51.100.1', '203.0.113.10')]));
    let b = send();
    expect([p.ctl.gatewayName(b.target[0]!), p.ctl.gatewayName(b.target[1]!)]).toEqual(['gw1', 'gw2']);
    p.ctl.gatewayDown('gw1', 100);
    b = send();
    expect([p.ctl.gatewayName(b.target[0]!), p.ctl.gatewayName(b.target[1]!)]).toEqual(['gw3', 'gw2']);
    p.ctl.gatewayUp('gw1', 200);
    expect(p.ctl.gwActive[p.ctl.gw('gw1')]).toBe(0); // rejoined as standby
    b = send();
    expect(p.ctl.gatewayName(b.target[0]!)).toBe('gw3');
    // gw2 fails: gw1 (standby again) takes it; then gw3 fails: nothing left -> degraded
    p.ctl.gatewayDown('gw2', 300);
    b = send();
    expect(p.ctl.gatewayName(b.target[1]!)).toBe('gw1');
    p.ctl.gatewayDown('gw3', 400);
    b = send();
    expect(b.drop[0]).toBe(DROP_POOL_DEGRADED);
    expect(p.ctl.changes.some((c) => c.kind === 'pool_degraded')).toBe(true);
  });

  it('a single-tunnel site keeps its tunnel: the public IP moves to the other instance, and back with preempt', () => {
    const p = new Plane(demo(), KEY);
    const t = p.ctl.tunnelIndex.get('fabrikam-branch/t1')!;
    const send = () => p.run(batchOf([nvgre(5003, '10.7.0.1', '172.18.1.1', 5555, 80)]));
    let b = send();
    expect(b.target[0]).toBe(t);
    expect(p.ctl.gatewayName(p.ctl.tables.tunGw[t]!)).toBe('gw4');
    p.ctl.gatewayDown('gw4', 0);
    b = send();
    expect(b.target[0]).toBe(t); // same tunnel, same flow
    expect(p.ctl.gatewayName(p.ctl.tables.tunGw[t]!)).toBe('gw5');
    dissectBatch(b);
    expect(ip4ToString(b.src[0]!)).toBe('198.51.100.23'); // its public IP, now on gw5
    expect(b.arena.subarray(b.base[0]!, b.base[0]! + 6).toString('hex')).toBe('020000000015');
    p.ctl.gatewayUp('gw4', 10);
    send();
    expect(p.ctl.gatewayName(p.ctl.tables.tunGw[t]!)).toBe('gw4');
  });
});

describe('delivery: ipip', () => {
  it('encapsulates IP-in-IP to the owner\'s DIP (as Maglev and Katran do)', () => {
    const p = new Plane(parseConfig(demoText.replace('delivery: mac', 'delivery: ipip'), 'ipip.yaml'), KEY);
    const b = p.run(batchOf([ike('192.0.2.1', '203.0.113.10')]));
    expect(b.next[0]).toBe(NEXT_GATEWAY);
    dissectBatch(b);
    expect(b.drop[0]).toBe(0);
    expect(b.encap[0]).toBe(ENCAP_IPIP);
    expect(ip4ToString(b.dst[0]!)).toBe('10.0.0.11');
    expect(ip4ToString(b.idst[0]!)).toBe('10.0.0.11'); // the inner packet was NATed too
    expect(ip4ChecksumOk(b.dv, b.l3[0]!, 20)).toBe(true);
    expect(ip4ChecksumOk(b.dv, b.il3[0]!, 20)).toBe(true);
  });
});

describe('counters', () => {
  it('rx == tx + sum of drops', () => {
    const p = new Plane(demo(), KEY);
    p.run(batchOf([ike('192.0.2.1', '203.0.113.10'), ike('9.9.9.9', '203.0.113.10'), nvgre(5001, '10.0.0.1', '8.8.8.8', 1, 2), greToVip('1.2.3.4', '198.51.100.21'), udp('1.1.1.1', '2.2.2.2', 1, 2)]));
    const c = p.ctx.counters;
    expect(c.rx).toBe(5);
    expect(c.rx).toBe(c.tx + c.dropped);
    expect(c.tx).toBe(2);
  });
});
