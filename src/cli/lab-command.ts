/**
 * `gwplane lab up|down|status|traffic`: the Linux lab in network namespaces (src/forward/lab.ts)
 * and the test traffic for it (src/forward/lab-traffic.ts).
 */
import { loadConfig } from '../control/config-load.js';
import { ConfigError } from '../control/config-error.js';
import type { GwConfig } from '../control/config-schema.js';
import { LAB, labDown, labNamespaces, labPlan, labUnavailableReason, labUp, LabError, LAB_NAMESPACES } from '../forward/lab.js';
import { STREAM_KINDS, writeLabTraffic, type StreamKind } from '../forward/lab-traffic.js';
import { CliError, EXIT_PERMISSION, EXIT_RUNTIME, EXIT_USAGE } from './exit-codes.js';
import { stdout } from './output.js';

export { DEFAULT_LAB_CONFIG } from './forward-args.js';

function config(path: string): GwConfig {
  try {
    return loadConfig(path);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, EXIT_USAGE);
    throw e;
  }
}

function needRoot(): void {
  const why = labUnavailableReason();
  if (why !== null) throw new CliError(`lab: ${why}`, EXIT_PERMISSION);
}

export interface LabUpOptions {
  config: string;
  dryRun?: boolean;
  verbose?: boolean;
}

export function runLabUp(o: LabUpOptions): void {
  const cfg = config(o.config);
  if (o.dryRun) {
    let plan;
    try {
      plan = labPlan(cfg);
    } catch (e) {
      if (e instanceof LabError) throw new CliError(`lab: ${e.message}`, EXIT_USAGE);
      throw e;
    }
    for (const c of plan.commands) stdout().write(`${c.join(' ')}\n`);
    return;
  }
  needRoot();
  let plan;
  try {
    plan = labUp(cfg, o.verbose ? (s) => process.stderr.write(`+ ${s}\n`) : undefined);
  } catch (e) {
    if (e instanceof LabError) throw new CliError(`lab: ${e.message}`, EXIT_RUNTIME);
    throw e;
  }
  const out = [
    `lab up: namespaces ${LAB_NAMESPACES.join(', ')}`,
    `  onprem  eth0 ${LAB.onpremIp}/24 -> fwd out0 ${LAB.fwdOutsideIp}; vx0 VXLAN ${LAB.vni} -> ${LAB.fwdOutsideIp}:${LAB.vxlanPort}`,
    `  fwd     br0 ${LAB.fwdBridgeIp}/${LAB.bridgePrefix}; service addresses on lo: ${plan.serviceIps.join(', ')}`,
    ...plan.gateways.map((g) => `  ${g.name.padEnd(7)} eth0 ${g.dip}/${LAB.bridgePrefix} ${g.mac}; vx0 VXLAN ${LAB.vni} <- ${LAB.fwdBridgeIp}`),
    'next:',
    ...plan.gateways.map((g) => `  ip netns exec ${g.name} gwplane responder --listen 0.0.0.0:${LAB.probePort} &`),
    `  ip netns exec fwd gwplane forward --config ${o.config} --io vxlan --mac ${LAB.forwarderMac} --stats 5`,
    `  gwplane lab traffic --config ${o.config} --out lab.pcap && ip netns exec onprem tcpreplay -i vx0 --pps 1000 lab.pcap`,
    '  gwplane lab down',
  ];
  stdout().write(out.join('\n') + '\n');
}

export function runLabDown(o: { verbose?: boolean }): void {
  needRoot();
  const done = labDown(o.verbose ? (s) => process.stderr.write(`+ ${s}\n`) : undefined);
  stdout().write(done.length === 0 ? 'lab down: nothing to remove\n' : `lab down: ${done.filter((d) => d.startsWith('ip')).length} namespaces removed\n`);
}

export function runLabStatus(): void {
  const have = labNamespaces();
  stdout().write(have.length === 0 ? 'lab: down\n' : `lab: namespaces present: ${have.join(', ')}${have.length < LAB_NAMESPACES.length ? ' (partial: run gwplane lab down)' : ''}\n`);
}

export interface LabTrafficOptions {
  config: string;
  out: string;
  rounds: number;
  mode: 'vxlan' | 'raw' | 'kernel';
  flows: number;
  kinds?: string;
}

export function runLabTraffic(o: LabTrafficOptions): void {
  const cfg = config(o.config);
  const kinds = o.kinds?.split(',').map((k) => k.trim()) as StreamKind[] | undefined;
  const bad = kinds?.filter((k) => !STREAM_KINDS.includes(k));
  if (bad && bad.length > 0) throw new CliError(`--kinds: unknown ${bad.join(', ')} (kinds: ${STREAM_KINDS.join(', ')})`, EXIT_USAGE);
  const r = writeLabTraffic(cfg, o.out, { rounds: o.rounds, mode: o.mode, flowsPerSite: o.flows, ...(kinds ? { kinds } : {}) });
  stdout().write(`wrote ${r.packets} packets (${r.streams.length} streams x ${o.rounds} rounds) to ${o.out}\n`);
}
