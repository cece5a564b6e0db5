/**
 * The Linux lab of `gwplane lab up|down`: five network namespaces built with iproute2 from a
 * gateway configuration (fixtures/configs/lab.yaml), every address inside them.
 *
 *   onprem: eth0 10.1.0.2/24 ──veth── fwd: out0 10.1.0.1/24
 *           vx0  VXLAN VNI 100 to 10.1.0.1:4789 (the forwarder), 100.64.0.2/24; routes to
 *                the SLB VIPs, GRE VIPs and tunnel local IPs via 100.64.0.1 = the forwarder's
 *                MAC (a permanent neighbour entry); tenant public IPs on lo. No 802.1Q
 *                sub-interfaces (kernels without the 8021q module are common): the l3
 *                connections' tagged frames are injected on vx0 (tcpreplay)
 *   fwd:    br0 10.0.0.1/24, a bridge over one veth per gateway; the SLB VIPs, GRE VIPs
 *           and tunnel local IPs on lo (so that raw sockets see traffic for them);
 *           ip_forward stays 0 (the forwarder, not the kernel, moves packets)
 *   gwN:    eth0 = the gateway's DIP/24 and MAC (bridge port), default route via 10.0.0.1;
 *           vx0  VXLAN VNI 100 to 10.0.0.1:4789 with the gateway's MAC: frames the
 *                forwarder sends to DIP:4789 come out here
 *
 * Only `ip` and `ip netns exec` (with `sh` to write /proc/sys: no procps needed) are used;
 * nothing is created in the root namespace
 * (veths are created inside `fwd` with their peer moved straight into the other namespace).
 * IPv6 is off and rp_filter 0 in every namespace, so captures hold only the lab's traffic.
 * `down` kills what still runs in the namespaces (by pid, from `ip netns pids`) and deletes
 * them; it is idempotent and safe after a failed run.
 */
import { spawnSync } from 'node:child_process';
import type { GwConfig } from '../control/config-schema.js';
import { parseIp4 } from '../control/config-addr.js';
import { LAB_FORWARDER_MAC } from './defaults.js';

export const LAB_NAMESPACES = ['onprem', 'fwd', 'gw1', 'gw2', 'gw3'] as const;
export const LAB_GATEWAYS = ['gw1', 'gw2', 'gw3'] as const;

/** Fixed addresses of the lab (the config supplies the gateways and the service addresses). */
export const LAB = {
  vni: 100,
  vxlanPort: 4789,
  probePort: 7007,
  /** fwd's end of the outside link. */
  fwdOutsideIp: '10.1.0.1',
  fwdOutsideMac: '02:aa:00:00:00:01',
  onpremIp: '10.1.0.2',
  onpremMac: '02:aa:00:00:00:02',
  onpremVxlanMac: '02:aa:00:00:01:02',
  onpremOverlayIp: '100.64.0.2',
  /** The forwarder's overlay next hop as seen from onprem, and its MAC (`forward --mac`). */
  overlayGatewayIp: '100.64.0.1',
  forwarderMac: LAB_FORWARDER_MAC,
  /** fwd's address on the gateway bridge: the source of probes and VXLAN to the gateways. */
  fwdBridgeIp: '10.0.0.1',
  fwdBridgeMac: '02:bb:00:00:00:01',
  bridgePrefix: 24,
} as const;

export interface LabGateway {
  name: string;
  dip: string;
  mac: string;
}

export interface LabPlan {
  gateways: LabGateway[];
  /** Addresses the forwarder serves: SLB VIPs, GRE VIPs, tunnel local IPs. */
  serviceIps: string[];
  /** Tenant public IPs and tunnel remote devices: onprem's addresses. */
  onpremIps: string[];
  /** l3 connections: VLAN, the tenant's peer IP, the CA IP. */
  vlans: Array<{ vlan: number; peerIp: string; caIp: string }>;
  /** The commands, in order (each an argv for spawnSync). */
  commands: string[][];
}

export class LabError extends Error {}

/** Check that the config fits the lab and derive the commands that build it. */
export function labPlan(cfg: GwConfig): LabPlan {
  const names = cfg.gateways.map((g) => g.name);
  if (names.length !== LAB_GATEWAYS.length || LAB_GATEWAYS.some((n) => !names.includes(n))) {
    throw new LabError(`the lab has namespaces ${LAB_GATEWAYS.join(', ')}: the config must name exactly those gateways (it has ${names.join(', ')})`);
  }
  const bridgeNet = parseIp4(LAB.fwdBridgeIp)! & ~((1 << (32 - LAB.bridgePrefix)) - 1);
  const gateways: LabGateway[] = LAB_GATEWAYS.map((n) => {
    const g = cfg.gateways.find((x) => x.name === n)!;
    const a = parseIp4(g.dip)!;
    if ((a & ~((1 << (32 - LAB.bridgePrefix)) - 1)) !== bridgeNet || g.dip === LAB.fwdBridgeIp) {
      throw new LabError(`gateway ${n}: DIP ${g.dip} must be in ${LAB.fwdBridgeIp}/${LAB.bridgePrefix} (the lab bridge) and not ${LAB.fwdBridgeIp}`);
    }
    return { name: n, dip: g.dip, mac: g.mac };
  });
  const uniq = (xs: string[]): string[] => [...new Set(xs)];
  const serviceIps = uniq([
    ...cfg.slb.vips,
    ...cfg.gateways.flatMap((g) => (g.gre_vip ? [g.gre_vip] : [])),
    ...cfg.sites.flatMap((s) => s.tunnels.map((t) => t.local_ip)),
  ]);
  const onpremIps = uniq([...cfg.tenants.flatMap((t) => t.public_ips), ...cfg.sites.flatMap((s) => s.tunnels.map((t) => t.remote_ip))]);
  const vlans: LabPlan['vlans'] = [];
  for (const t of cfg.tenants) {
    for (const c of t.connections) if (c.type === 'l3') vlans.push({ vlan: c.vlan, peerIp: c.peer_ip, caIp: c.ca_ip });
  }

  const cmds: string[][] = [];
  const ip = (...a: string[]): void => void cmds.push(['ip', ...a]);
  for (const ns of LAB_NAMESPACES) {
    ip('netns', 'add', ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    cmds.push(sysctlCommand(ns, {
      'net.ipv6.conf.all.disable_ipv6': 1,
      'net.ipv6.conf.default.disable_ipv6': 1,
      'net.ipv4.conf.all.rp_filter': 0,
      'net.ipv4.conf.default.rp_filter': 0,
      'net.ipv4.ip_forward': 0,
    }));
  }
  // outside link
  ip('-n', 'fwd', 'link', 'add', 'out0', 'address', LAB.fwdOutsideMac, 'type', 'veth', 'peer', 'name', 'eth0', 'address', LAB.onpremMac, 'netns', 'onprem');
  ip('-n', 'fwd', 'addr', 'add', `${LAB.fwdOutsideIp}/24`, 'dev', 'out0');
  ip('-n', 'fwd', 'link', 'set', 'out0', 'up');
  ip('-n', 'onprem', 'addr', 'add', `${LAB.onpremIp}/24`, 'dev', 'eth0');
  ip('-n', 'onprem', 'link', 'set', 'eth0', 'up');
  // gateway bridge
  ip('-n', 'fwd', 'link', 'add', 'br0', 'address', LAB.fwdBridgeMac, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
  ip('-n', 'fwd', 'addr', 'add', `${LAB.fwdBridgeIp}/${LAB.bridgePrefix}`, 'dev', 'br0');
  ip('-n', 'fwd', 'link', 'set', 'br0', 'up');
  for (const g of gateways) {
    ip('-n', 'fwd', 'link', 'add', g.name, 'type', 'veth', 'peer', 'name', 'eth0', 'address', g.mac, 'netns', g.name);
    ip('-n', 'fwd', 'link', 'set', g.name, 'master', 'br0');
    ip('-n', 'fwd', 'link', 'set', g.name, 'up');
    ip('-n', g.name, 'addr', 'add', `${g.dip}/${LAB.bridgePrefix}`, 'dev', 'eth0');
    ip('-n', g.name, 'link', 'set', 'eth0', 'up');
    ip('-n', g.name, 'route', 'add', 'default', 'via', LAB.fwdBridgeIp);
    ip('-n', g.name, 'link', 'add', 'vx0', 'address', g.mac, 'type', 'vxlan', 'id', String(LAB.vni), 'local', g.dip,
      'remote', LAB.fwdBridgeIp, 'dstport', String(LAB.vxlanPort), 'dev', 'eth0');
    ip('-n', g.name, 'link', 'set', 'vx0', 'up');
  }
  // the forwarder's service addresses
  for (const a of serviceIps) ip('-n', 'fwd', 'addr', 'add', `${a}/32`, 'dev', 'lo');
  // onprem's VXLAN side
  ip('-n', 'onprem', 'link', 'add', 'vx0', 'address', LAB.onpremVxlanMac, 'type', 'vxlan', 'id', String(LAB.vni), 'local', LAB.onpremIp,
    'remote', LAB.fwdOutsideIp, 'dstport', String(LAB.vxlanPort), 'dev', 'eth0');
  ip('-n', 'onprem', 'addr', 'add', `${LAB.onpremOverlayIp}/24`, 'dev', 'vx0');
  ip('-n', 'onprem', 'link', 'set', 'vx0', 'up');
  ip('-n', 'onprem', 'neigh', 'replace', LAB.overlayGatewayIp, 'lladdr', LAB.forwarderMac, 'dev', 'vx0', 'nud', 'permanent');
  for (const a of onpremIps) ip('-n', 'onprem', 'addr', 'add', `${a}/32`, 'dev', 'lo');
  for (const a of serviceIps) ip('-n', 'onprem', 'route', 'replace', `${a}/32`, 'via', LAB.overlayGatewayIp, 'dev', 'vx0');
  return { gateways, serviceIps, onpremIps, vlans, commands: cmds };
}

/**
 * `sysctl -w` inside a namespace without procps: /proc/sys/net is the reading process's
 * network namespace, so `ip netns exec NS sh -c 'echo V > /proc/sys/...'` sets NS's value.
 */
export function sysctlCommand(ns: string, values: Record<string, number>): string[] {
  const script = Object.entries(values)
    .map(([k, v]) => `echo ${v} > /proc/sys/${k.replace(/\./g, '/')}`)
    .join(' && ');
  return ['ip', 'netns', 'exec', ns, 'sh', '-c', script];
}

function run(argv: string[]): { ok: boolean; out: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
  if (r.error) return { ok: false, out: r.error.message };
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

/** Names of the lab namespaces that exist now. */
export function labNamespaces(): string[] {
  const r = run(['ip', 'netns', 'list']);
  if (!r.ok) return [];
  const have = new Set(r.out.split('\n').map((l) => l.split(/\s+/)[0]!));
  return LAB_NAMESPACES.filter((n) => have.has(n));
}

/** Is `ip netns` usable here (iproute2 present, permission to list)? Returns a reason or null. */
export function labUnavailableReason(): string | null {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'the lab needs root (network namespaces)';
  const r = run(['ip', 'netns', 'list']);
  if (!r.ok) return `'ip netns list' failed: ${r.out || 'iproute2 missing?'}`;
  return null;
}

/**
 * Remove the lab: kill the processes still running in its namespaces (by pid), delete the
 * namespaces. Idempotent; returns what it did.
 */
export function labDown(log: (s: string) => void = () => {}): string[] {
  const done: string[] = [];
  for (const ns of labNamespaces()) {
    const pids = run(['ip', 'netns', 'pids', ns]);
    const list = pids.ok ? pids.out.split(/\s+/).filter((p) => /^\d+$/.test(p)).map(Number) : [];
    for (const pid of list) {
      if (pid === process.pid) continue;
      try {
        process.kill(pid, 'SIGTERM');
        done.push(`kill -TERM ${pid} (in ${ns})`);
      } catch {
        // already gone
      }
    }
    if (list.length > 0) {
      // give them up to 1 s, then SIGKILL what is left
      const until = Date.now() + 1000;
      let left = list;
      while (left.length > 0 && Date.now() < until) {
        left = left.filter((p) => alive(p));
        if (left.length > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      }
      for (const pid of left) {
        try {
          process.kill(pid, 'SIGKILL');
          done.push(`kill -KILL ${pid} (in ${ns})`);
        } catch {
          // gone
        }
      }
    }
    const r = run(['ip', 'netns', 'del', ns]);
    log(`ip netns del ${ns}${r.ok ? '' : `: ${r.out}`}`);
    done.push(`ip netns del ${ns}`);
  }
  return done;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Build the lab (after removing any previous one). On failure the half-built lab is removed
 * and a LabError names the command that failed.
 */
export function labUp(cfg: GwConfig, log: (s: string) => void = () => {}): LabPlan {
  const plan = labPlan(cfg);
  labDown(log);
  for (const c of plan.commands) {
    const r = run(c);
    log(c.join(' '));
    if (!r.ok) {
      labDown(log);
      throw new LabError(`'${c.join(' ')}' failed: ${r.out}`);
    }
  }
  return plan;
}
