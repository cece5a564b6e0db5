/**
 * Data planes over the demo configuration in the states the fuzz tests drive traffic
 * through: healthy, a gateway dead but not yet detected, takeovers, whole pools down,
 * tunnels down and drained, IP-in-IP delivery, Toeplitz symmetric hashing, and a small flow
 * table that evicts all the time. Plus the frames of the shared corpus.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PacketBatch } from '../../src/batch/packet-batch.js';
import { parseConfig } from '../../src/control/config-load.js';
import type { GwConfig } from '../../src/control/config-schema.js';
import { CaptureReader } from '../../src/io/capture-reader.js';
import { makeHashKey } from '../../src/lb/hash.js';
import { Plane, type FrameIn } from './harness.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const demoText = fs.readFileSync(path.join(repoRoot, 'fixtures/configs/demo.yaml'), 'utf8');

export function demoConfig(edit: (text: string) => string = (t) => t): GwConfig {
  return parseConfig(edit(demoText), 'demo.yaml');
}

export const KEY = makeHashKey('robustness');

export interface NamedPlane {
  name: string;
  plane: Plane;
}

/** Fresh planes, one per state. */
export function demoPlanes(): NamedPlane[] {
  const mk = (name: string, edit?: (t: string) => string, flowCap = 1024): NamedPlane => ({ name, plane: new Plane(demoConfig(edit), KEY, flowCap) });
  const out: NamedPlane[] = [];
  out.push(mk('healthy'));
  out.push(mk('delivery ipip', (t) => t.replace('delivery: mac', 'delivery: ipip')));
  out.push(mk('toeplitz symmetric', (t) => t.replace('hash: { kind: keyed, key: "demo", symmetric: false }', 'hash: { kind: toeplitz, symmetric: true }')));
  const dead = mk('gw1 and gw4 dead, not yet detected');
  dead.plane.ctx.gwAlive[dead.plane.ctl.gw('gw1')] = 0;
  dead.plane.ctx.gwAlive[dead.plane.ctl.gw('gw4')] = 0;
  out.push(dead);
  const take = mk('gw4 down: takeover by gw6, fabrikam tunnel moved');
  take.plane.ctl.gatewayDown('gw4', 0);
  out.push(take);
  const gre = mk('pool-gre all down (degraded)');
  for (const g of ['gw4', 'gw5', 'gw6']) gre.plane.ctl.gatewayDown(g, 0);
  out.push(gre);
  const others = mk('pool-ike and pool-l3 all down');
  for (const g of ['gw1', 'gw2', 'gw3', 'gw7', 'gw8']) others.plane.ctl.gatewayDown(g, 0);
  out.push(others);
  const tun = mk('contoso-hq tunnels down, woodgrove-dc t1 drained');
  tun.plane.ctl.setTunnel('contoso-hq', 't1', false, 0);
  tun.plane.ctl.setTunnel('contoso-hq', 't2', false, 0);
  tun.plane.ctl.setWeight('woodgrove-dc', 't1', 0, 0);
  out.push(tun);
  out.push(mk('flow table of 16 entries', undefined, 16));
  return out;
}

export const corpusDir = path.resolve(repoRoot, '../shared/corpus/pcap');

/** Every frame of the shared corpus (empty when the corpus is not there). */
export function corpusFrames(): Array<FrameIn & { file: string }> {
  if (!fs.existsSync(corpusDir)) return [];
  const out: Array<FrameIn & { file: string }> = [];
  const b = new PacketBatch();
  for (const f of fs.readdirSync(corpusDir).filter((x) => /\.pcap(ng)?$/.test(x)).sort()) {
    const r = CaptureReader.open(path.join(corpusDir, f));
    try {
      for (let n = r.readBatch(b); n > 0; n = r.readBatch(b)) {
        for (let i = 0; i < n; i++) {
          out.push({ file: f, bytes: Buffer.from(b.arena.subarray(b.base[i]!, b.base[i]! + b.len[i]!)), link: b.link[i]! });
        }
      }
    } finally {
      r.close();
    }
  }
  return out;
}
