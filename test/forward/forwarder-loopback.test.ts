/**
 * `forward --io vxlan` in-process on loopback, no privileges: test sockets play onprem's and
 * the gateways' VXLAN endpoints, `startResponder` the gateways' health responders. It checks
 * what the lab test checks from captures, on the frames themselves: NAT to the designated
 * gateway with valid checksums, MAC rewrite, VXLAN header, takeover after gw1's responder
 * goes away, gratuitous ARP, rejoin as standby, reverse NAT toward the outside, metrics read
 * at scrape time, and rx == tx + drops.
 */
import dgram from 'node:dgram';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/control/config-load.js';
import { startForward, type RunningForwarder } from '../../src/forward/run.js';
import { labFrame, labStreams, type LabStream } from '../../src/forward/lab-traffic.js';
import { LAB } from '../../src/forward/lab.js';
import { startMetrics } from '../../src/forward/metrics.js';
import { parsePrometheus, statsFromMetrics, statsText } from '../../src/cli/stats-command.js';
import { startResponder, type Responder } from '../../src/health/responder.js';
import { PacketBatch } from '../../src/batch/packet-batch.js';
import { ethEmit, ETHERTYPE_IP4 } from '../../src/wire/ethernet.js';
import { ip4Emit, IPPROTO_UDP } from '../../src/wire/ipv4.js';
import { udpEmit, udpFillChecksum } from '../../src/wire/udp.js';
import { IKE_SA_INIT, ikeEmit } from '../../src/wire/ike.js';
import { ip4FromString } from '../../src/wire/view.js';
import { parseFrame, sleep, type Rec } from '../lab/harness.js';

const cfg = loadConfig(path.join(import.meta.dirname, '../../fixtures/configs/lab.yaml'));
const VNI = 100;

interface Got {
  from: string;
  vni: number;
  frame: Buffer;
  rec: Rec;
  t: number;
}

async function udp(host: string): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, host, () => resolve()));
  return s;
}

function collect(s: dgram.Socket, into: Got[]): void {
  s.on('message', (m, r) => {
    const frame = Buffer.from(m.subarray(8));
    into.push({ from: `${r.address}:${r.port}`, vni: m.readUInt32BE(4) >>> 8, frame, rec: parseFrame(frame, Date.now(), 1), t: Date.now() });
  });
}

async function until(what: string, test: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timeout: ${what}`);
    await sleep(5);
  }
}

describe('forward --io vxlan on loopback', () => {
  const logs: Array<Record<string, unknown>> = [];
  const log = pino({ base: null }, { write: (s: string) => void logs.push(JSON.parse(s) as Record<string, unknown>) });
  const gwSocks: dgram.Socket[] = [];
  const got: Got[][] = [[], [], []];
  const outside: Got[] = [];
  const responders: Responder[] = [];
  let onprem: dgram.Socket;
  let running: RunningForwarder;
  let fwdPort = 0;
  const streams = labStreams(cfg, { mode: 'vxlan', flowsPerSite: 4 });
  const frameBuf = new PacketBatch(1, 4096);

  function send(s: LabStream, seq: number): void {
    const end = labFrame(frameBuf.dv, 64, s, seq, 'vxlan');
    const d = Buffer.alloc(8 + end - 64);
    d.writeUInt32BE(0x08000000, 0);
    d.writeUInt32BE(VNI << 8, 4);
    frameBuf.arena.copy(d, 8, 64, end);
    onprem.send(d, fwdPort, '127.0.0.1');
  }

  beforeAll(async () => {
    for (let g = 0; g < 3; g++) {
      const s = await udp('127.0.0.1');
      collect(s, got[g]!);
      gwSocks.push(s);
      responders.push(await startResponder('127.0.0.1', 0));
    }
    onprem = await udp('127.0.0.2');
    collect(onprem, outside);
    running = await startForward({
      cfg,
      io: 'vxlan',
      log,
      vxlan: {
        listen: { host: '127.0.0.1', port: 0 },
        listenPort: 0,
        vni: VNI,
        outside: { host: '127.0.0.2', port: onprem.address().port },
        vteps: new Map(cfg.gateways.map((g, k) => [g.name, { host: '127.0.0.1', port: gwSocks[k]!.address().port }])),
        mac: LAB.forwarderMac,
      },
      probePort: 0,
      probeTargets: responders.map((r) => ({ host: '127.0.0.1', port: r.port })),
      onFatal: (e) => {
        throw e;
      },
    });
    fwdPort = running.vxlan!.sock.address().port;
  });

  afterAll(async () => {
    await running?.stop();
    for (const s of [...gwSocks, onprem]) s?.close();
    for (const r of responders) await r.close().catch(() => {});
  });

  it('delivers every stream to its designated gateway: VXLAN VNI, MAC rewrite, NAT, valid checksums', async () => {
    for (const s of streams) send(s, 1);
    await until('all delivered', () => got.reduce((a, g) => a + g.length, 0) >= streams.length);
    const byGw = got.map((g) => g.map((x) => x.rec));
    for (const [k, g] of got.entries()) {
      for (const x of g) {
        expect(x.vni).toBe(VNI);
        expect(x.frame.subarray(0, 6).toString('hex')).toBe(cfg.gateways[k]!.mac.replaceAll(':', ''));
        expect(x.rec.ipCsumOk && x.rec.l4CsumOk).toBe(true);
        expect(x.rec.seq).toBe(1);
      }
    }
    const nat = (src: string, gw: number): Rec[] => byGw[gw]!.filter((r) => r.src === src && r.greKey < 0 && r.proto !== 47);
    expect(nat('192.0.2.1', 0).map((r) => [r.dst, r.proto, r.dport])).toEqual([
      ['10.0.0.11', 17, 500],
      ['10.0.0.11', 17, 4500],
      ['10.0.0.11', 50, 0],
    ]);
    expect(nat('198.51.100.1', 1).map((r) => r.dst)).toEqual(['10.0.0.12', '10.0.0.12', '10.0.0.12']);
    expect(byGw[0]!.filter((r) => r.vlan === 1001).map((r) => r.dst)).toEqual(['10.127.134.1']);
    expect(byGw[2]).toEqual([]);
    const c = running.fwd.counters;
    expect(c.rx).toBe(streams.length);
    expect(c.rx).toBe(c.tx + c.dropped);
  });

  it('a reply from a gateway leaves toward the outside from the SLB VIP, from our MAC to the learned outside MAC', async () => {
    const b = new PacketBatch(1, 2048);
    const v = b.dv;
    let o = 64;
    o += ethEmit(v, o, { dst: LAB.forwarderMac, src: cfg.gateways[1]!.mac, type: ETHERTYPE_IP4 });
    ip4Emit(v, o, { totalLen: 28 + 28, proto: IPPROTO_UDP, src: '10.0.0.12', dst: '198.51.100.1' });
    ikeEmit(v, o + 28, { ispi: 7n, rspi: 9n, exchangeType: IKE_SA_INIT, flags: 0x20, length: 28 });
    udpEmit(v, o + 20, { sport: 500, dport: 500, len: 36 });
    udpFillChecksum(v, o + 20, 36, ip4FromString('10.0.0.12'), ip4FromString('198.51.100.1'));
    const end = o + 56;
    const d = Buffer.alloc(8 + end - 64);
    d.writeUInt32BE(0x08000000, 0);
    d.writeUInt32BE(VNI << 8, 4);
    b.arena.copy(d, 8, 64, end);
    gwSocks[1]!.send(d, fwdPort, '127.0.0.1');
    await until('reply out', () => outside.length > 0);
    const r = outside[0]!;
    expect([r.rec.src, r.rec.dst, r.rec.l4CsumOk, r.rec.ipCsumOk]).toEqual(['203.0.113.10', '198.51.100.1', true, true]);
    expect(r.frame.subarray(0, 12).toString('hex')).toBe(LAB.onpremVxlanMac.replaceAll(':', '') + LAB.forwarderMac.replaceAll(':', ''));
  });

  it('gw1 stops answering: gw3 takes over within interval x fall + 200 ms, GARP to the others, then gw1 rejoins as standby', async () => {
    const bound = cfg.health.interval_ms * cfg.health.fall + 200;
    const gw1 = responders[0]!;
    const port = gw1.port;
    await gw1.close();
    const killAt = Date.now();
    await until('gw1 down', () => logs.some((l) => l.event === 'gateway_down'), bound + 1000);
    const down = logs.find((l) => l.event === 'gateway_down')!;
    expect(down.gateway).toBe('gw1');
    expect(down.takeover_by).toBe('gw3');
    expect((down.detected_at as number) - killAt).toBeLessThanOrEqual(bound);
    expect(down.changes).toEqual(['takeover gw1 -> gw3 (pool-lab)', 'tunnel contoso-hq/t1 down', 'tunnel woodgrove-branch/t1 moved gw1 -> gw2']);
    // GARP: .21 and the CA IP (tagged) at gw2 with gw3's MAC; .23 at gw3 with gw2's MAC; none at gw1
    await until('garp', () => got[2]!.some((x) => x.rec.arp !== null) && got[1]!.filter((x) => x.rec.arp !== null).length >= 2);
    const arps = (g: number): string[] => got[g]!.filter((x) => x.rec.arp).map((x) => `${x.rec.arp!.spa}/${x.rec.vlan} ${x.rec.arp!.sha}`);
    expect(arps(1).sort()).toEqual(['10.127.134.1/1001 02:00:00:00:00:13', '198.51.100.21/0 02:00:00:00:00:13']);
    expect(arps(2)).toEqual(['198.51.100.23/0 02:00:00:00:00:12']);
    expect(arps(0)).toEqual([]);
    // traffic now: contoso NAT to gw3, its tunnel-1 flows to gw2's tunnel, nothing to gw1
    const n0 = got.map((g) => g.length);
    for (const s of streams) send(s, 2);
    await until('round 2', () => got.reduce((a, g, k) => a + g.length - n0[k]!, 0) >= streams.length);
    const r2 = got.map((g, k) => g.slice(n0[k]).map((x) => x.rec).filter((r) => r.arp === null));
    expect(r2[0]).toEqual([]);
    expect(r2[2]!.filter((r) => r.src === '192.0.2.1' && r.proto !== 47).map((r) => r.dst)).toEqual(['10.0.0.13', '10.0.0.13', '10.0.0.13']);
    expect(r2[2]!.filter((r) => r.src === '192.0.2.1' && r.proto === 47).map((r) => r.dst)).toEqual(['198.51.100.21']); // GRE VIP moved
    expect(r2[1]!.filter((r) => r.greKey === 1001)).toEqual([]); // tunnel t1 (gw1) is down
    expect(new Set(r2[1]!.filter((r) => r.greKey >= 0).map((r) => r.greKey))).toEqual(new Set([1002, 2001]));
    // gw1 back on the same port
    responders[0] = await startResponder('127.0.0.1', port);
    await until('gw1 up', () => logs.some((l) => l.event === 'gateway_up'), 3000);
    const up = logs.find((l) => l.event === 'gateway_up')!;
    expect([up.gateway, up.role]).toEqual(['gw1', 'standby']);
    expect(Array.from(running.fwd.ctl.gwActive)).toEqual([0, 1, 1]);
  });

  it('metrics are read from the counters at scrape time', async () => {
    const m = await startMetrics('127.0.0.1', 0, running.fwd, running.health, 'vxlan');
    try {
      const text = await (await fetch(m.url)).text();
      const c = running.fwd.counters;
      expect(text).toContain(`gwplane_packets_total{counter="rx"} ${c.rx}`);
      expect(text).toContain('gwplane_gateway_active{gateway="gw1"} 0');
      expect(text).toContain('gwplane_gateway_up{gateway="gw1"} 1');
      expect(text).toMatch(/gwplane_service_packets_total\{service="203\.0\.113\.10",kind="slb",gateway="gw3"\} 6/);
      expect(text).toMatch(/gwplane_health_total\{event="changes"\} 2/);
      expect(text).toContain('gwplane_drops_total{reason="no_nat_rule"} 0');
      expect(text).toContain('# TYPE gwplane_packets_total counter');
      // `gwplane stats` renders the same scrape as ipvsadm-style tables
      const st = statsFromMetrics(parsePrometheus(text));
      expect((st.gateways as Array<Record<string, unknown>>).map((g) => `${g.name} ${g.role}`)).toEqual(['gw1 standby', 'gw2 active', 'gw3 active']);
      const txt = statsText(st);
      expect(txt).toMatch(/SLB  203\.0\.113\.10 +\d+/);
      expect(txt).toMatch(/ {2}-> +gw3 +Masq +6/);
      expect(txt).toMatch(/-> gw1 +up +standby/);
      // a second scrape sees new packets without anything counted per packet for metrics
      send(streams[0]!, 3);
      await until('one more', () => running.fwd.counters.rx === c.rx);
      await sleep(20);
      const again = await (await fetch(m.url)).text();
      expect(again).toContain(`gwplane_packets_total{counter="rx"} ${running.fwd.counters.rx}`);
    } finally {
      await m.close();
    }
    const c = running.fwd.counters;
    expect(c.rx).toBe(c.tx + c.dropped);
  });
});
