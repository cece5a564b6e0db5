/**
 * `gwplane forward`, `responder`, `lab` as a user meets them: argument parsing, the errors met
 * first with their exit codes (2 config, 3 no CAP_NET_RAW, 4 raw-socket missing or not built,
 * 5 address in use / unknown interface), running without native code or prom-client
 * (`npm ci --omit=optional`), stats lines, and the final summary on SIGTERM with exit 0.
 *
 * Every forwarder here runs in a network namespace of its own with only loopback
 * (`unshare -n`, or `unshare -rn` without root), so its health probes to the config's DIPs
 * cannot leave the machine. Skipped when unshare does not work here.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEndpoint, vtepArg } from '../../src/cli/forward-command.js';
import { labPlan } from '../../src/forward/lab.js';
import { prettyLine } from '../../src/forward/log.js';
import { rawSocketLoadError } from '../../src/forward/raw-socket.js';
import { loadConfig } from '../../src/control/config-load.js';
import { buildCli, Proc, repoRoot, tmpDir } from '../lab/harness.js';

const LAB_CFG = path.join(repoRoot, 'fixtures/configs/lab.yaml');
const isRoot = process.getuid?.() === 0;
const UNSHARE = isRoot ? ['unshare', '-n'] : ['unshare', '-rn'];
const unshareWorks = spawnSync(UNSHARE[0]!, [...UNSHARE.slice(1), 'true'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
const rawLoads = spawnSync(process.execPath, ['-e', "require('raw-socket')"], { cwd: repoRoot, stdio: 'ignore' }).status === 0;
const hasSetpriv = spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0;

describe('forward: arguments', () => {
  it('parses IPv4:PORT endpoints and GATEWAY=IPv4[:PORT] VTEPs, rejecting the rest as usage errors', () => {
    expect(parseEndpoint('10.0.0.1:4789')).toEqual({ host: '10.0.0.1', port: 4789 });
    expect(parseEndpoint('10.0.0.1', 4789)).toEqual({ host: '10.0.0.1', port: 4789 });
    expect(() => parseEndpoint('10.0.0.1')).toThrow(InvalidArgumentError);
    expect(() => parseEndpoint('localhost:80')).toThrow(InvalidArgumentError);
    expect(() => parseEndpoint('10.0.0.1:70000')).toThrow(InvalidArgumentError);
    expect(vtepArg('gw1=10.0.0.11', [])).toEqual([{ name: 'gw1', ep: { host: '10.0.0.11', port: 4789 } }]);
    expect(() => vtepArg('10.0.0.11', [])).toThrow(InvalidArgumentError);
  });

  it('maps raw-socket load failures to exit 4 with what to do', () => {
    const missing = rawSocketLoadError(Object.assign(new Error("Cannot find module 'raw-socket'"), { code: 'MODULE_NOT_FOUND' }));
    expect(missing.exitCode).toBe(4);
    expect(missing.message).toMatch(/not installed.*npm ci --omit=optional.*--io vxlan/s);
    const unbuilt = rawSocketLoadError(Object.assign(new Error("Cannot find module './build/Release/raw.node'"), { code: 'MODULE_NOT_FOUND' }));
    expect(unbuilt.message).toMatch(/not built.*npm rebuild raw-socket/s);
    const abi = rawSocketLoadError(Object.assign(new Error('was compiled against a different Node.js version using NODE_MODULE_VERSION 93'), { code: 'ERR_DLOPEN_FAILED' }));
    expect(abi.message).toMatch(/another Node\.js version/);
  });

  it('prints pino lines compactly on a terminal', () => {
    const l = prettyLine('{"level":40,"time":1700000000123,"pid":1,"name":"x","gateway":"gw1","changes":["a b","c"],"msg":"gw1 down"}');
    expect(l).toMatch(/^\d\d:\d\d:\d\d\.123 WARN  gw1 down {2}gateway=gw1 changes=\[a b; c\]\n$/);
    expect(prettyLine('not json')).toBe('not json\n');
  });

  it('the lab plan uses only namespaced commands and the config addresses', () => {
    const plan = labPlan(loadConfig(LAB_CFG));
    expect(plan.gateways.map((g) => `${g.name} ${g.dip} ${g.mac}`)).toEqual(['gw1 10.0.0.11 02:00:00:00:00:11', 'gw2 10.0.0.12 02:00:00:00:00:12', 'gw3 10.0.0.13 02:00:00:00:00:13']);
    expect(plan.serviceIps).toEqual(['203.0.113.10', '198.51.100.21', '198.51.100.22', '198.51.100.23']);
    for (const c of plan.commands) {
      // every command names a namespace: nothing is created in the root namespace
      const ok = (c[1] === 'netns' && ['add', 'exec'].includes(c[2]!)) || c[1] === '-n';
      expect(ok, c.join(' ')).toBe(true);
    }
  });
});

describe.skipIf(!unshareWorks)('forward: errors and operation (isolated network namespace)', () => {
  let tmp = '';
  let main = '';
  let noNative = '';
  let unbuilt = '';
  const procs: Proc[] = [];
  const cli = (m: string, args: string[], pre: string[] = []): ReturnType<typeof spawnSync> =>
    spawnSync(UNSHARE[0]!, [...UNSHARE.slice(1), ...pre, 'sh', '-c', 'ip link set lo up 2>/dev/null; exec "$@"', 'sh', process.execPath, m, ...args], {
      encoding: 'utf8',
      timeout: 30_000,
      cwd: repoRoot,
    });
  const start = (m: string, args: string[]): Proc => {
    const p = new Proc(`forward ${args.join(' ')}`, null, [...UNSHARE, 'sh', '-c', 'ip link set lo up 2>/dev/null; exec "$@"', 'sh', process.execPath, m, ...args]);
    procs.push(p);
    return p;
  };

  beforeAll(() => {
    tmp = tmpDir('gwplane-fwd-cli-');
    main = buildCli(path.join(tmp, 'full'), {});
    noNative = buildCli(path.join(tmp, 'omit'), { omit: ['raw-socket', 'prom-client'] });
    unbuilt = buildCli(path.join(tmp, 'unbuilt'), { unbuiltRawSocket: true });
  }, 60_000);

  afterAll(async () => {
    for (const p of procs) await p.stop('SIGKILL', 1000);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a broken config is exit 2 with file:line:col', () => {
    const r = cli(main, ['forward', '--config', path.join(repoRoot, 'fixtures/configs/bad/bad-ip.yaml'), '--io', 'vxlan']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad-ip\.yaml:\d+:\d+/);
    expect(cli(main, ['forward', '--config', LAB_CFG]).status).toBe(2); // --io is required
    expect(cli(main, ['forward', '--config', LAB_CFG, '--io', 'vxlan', '--vtep', 'gw9=10.0.0.1']).status).toBe(2);
  });

  it('--io raw without raw-socket installed is exit 4 and says how to get it or use --io vxlan', () => {
    const r = cli(noNative, ['forward', '--config', LAB_CFG, '--io', 'raw']);
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/raw-socket is not installed/);
    expect(r.stderr).toMatch(/--io vxlan/);
  });

  it('--io raw with raw-socket installed but not built is exit 4 and says to rebuild it', () => {
    const r = cli(unbuilt, ['forward', '--config', LAB_CFG, '--io', 'raw']);
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/not built.*npm rebuild raw-socket/s);
  });

  it.skipIf(!rawLoads || (isRoot && !hasSetpriv))('--io raw without CAP_NET_RAW is exit 3 with how to grant it', () => {
    const drop = isRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'] : [];
    const r = cli(main, ['forward', '--config', LAB_CFG, '--io', 'raw'], drop);
    expect(r.stderr).toMatch(/CAP_NET_RAW/);
    expect(r.stderr).toMatch(/setcap cap_net_raw\+ep/);
    expect(r.stderr).toMatch(/--io vxlan/);
    expect(r.status).toBe(3);
  });

  it('an address in use, an address not here, an unknown interface, a metrics port in use: exit 5', async () => {
    // the port is taken inside the forwarder's namespace by a helper started in the same
    // shell, stopped (by its pid) as soon as the command under test has exited
    const holding = (holder: string, args: string[]): ReturnType<typeof spawnSync> =>
      spawnSync(UNSHARE[0]!, [...UNSHARE.slice(1), 'sh', '-c',
        'ip link set lo up; N="$0"; "$N" -e "$1" >/dev/null 2>&1 & H=$!; shift; sleep 0.5; "$N" "$@"; rc=$?; kill $H; exit $rc',
        process.execPath, `${holder}; setTimeout(() => process.exit(0), 10000)`, main, ...args], { encoding: 'utf8', timeout: 30_000, cwd: repoRoot });
    const taken = holding("require('dgram').createSocket('udp4').bind(4789, '127.0.0.1')", ['forward', '--config', LAB_CFG, '--io', 'vxlan', '--vxlan-listen', '127.0.0.1:4789']);
    expect(taken.status, String(taken.stderr)).toBe(5);
    expect(taken.stderr).toMatch(/127\.0\.0\.1:4789: address in use/);
    const notHere = cli(main, ['forward', '--config', LAB_CFG, '--io', 'vxlan', '--vxlan-listen', '192.0.2.77:4789']);
    expect(notHere.status).toBe(5);
    expect(notHere.stderr).toMatch(/not an address of this host/);
    const iface = cli(main, ['forward', '--config', LAB_CFG, '--io', 'vxlan', '--interface', 'nosuch0']);
    expect(iface.status).toBe(5);
    expect(iface.stderr).toMatch(/unknown interface \(this host has: lo\)/);
    const metrics = holding("require('net').createServer().listen(9108, '127.0.0.1')", ['forward', '--config', LAB_CFG, '--io', 'vxlan', '--vxlan-listen', '127.0.0.1:4789', '--metrics', '127.0.0.1:9108']);
    expect(metrics.status, String(metrics.stderr)).toBe(5);
    expect(metrics.stderr).toMatch(/--metrics 127\.0\.0\.1:9108: address in use/);
    const resp = holding("require('dgram').createSocket('udp4').bind(7007, '127.0.0.1')", ['responder', '--listen', '127.0.0.1:7007']);
    expect(resp.status).toBe(5);
    expect(resp.stderr).toMatch(/address in use/);
  }, 60_000);

  it('without raw-socket and prom-client (npm ci --omit=optional), --io vxlan runs: stats lines, summary on SIGTERM, exit 0', async () => {
    const p = start(noNative, ['forward', '--config', LAB_CFG, '--io', 'vxlan', '--vxlan-listen', '127.0.0.1:4789', '--stats', '1', '--log-format', 'json']);
    await p.untilLog('forwarding', (o) => o.msg === 'forwarding (--io vxlan)');
    await p.until('a stats line', () => /^stats t=/m.test(p.stdout), 5000);
    expect(await p.stop('SIGTERM')).toBe(0);
    expect(p.stdout).toMatch(/stats t=\d+\.\ds rx=0 tx=0 drop=0 rx_pps=0\.0 tx_pps=0\.0 gw1=\w+:0 gw2=\w+:0 gw3=\w+:0 gen=\d+/);
    expect(p.stdout).toMatch(/gwplane forward --io vxlan: /);
    expect(p.stdout).toMatch(/Services \(ipvsadm -L -n --stats style\):/);
    expect(p.stdout).toMatch(/rx == tx \+ drops: yes/);
    expect(p.logs().some((o) => o.msg === 'stopped on SIGTERM')).toBe(true);
    // the probes found no gateway in this empty namespace: each change was one log line
    const downs = p.logs().filter((o) => o.event === 'gateway_down');
    expect(downs.length).toBeGreaterThanOrEqual(1);
    expect(downs.every((o) => typeof o.msg === 'string' && /probes missed/.test(o.msg))).toBe(true);
    // --metrics needs prom-client: a clear error, not a crash
    const m = cli(noNative, ['forward', '--config', LAB_CFG, '--io', 'vxlan', '--vxlan-listen', '127.0.0.1:4789', '--metrics', '127.0.0.1:9108']);
    expect(m.status).toBe(1);
    expect(m.stderr).toMatch(/prom-client cannot be loaded/);
  }, 30_000);

  it('--json prints the final summary as one object on SIGINT', async () => {
    const p = start(main, ['forward', '--config', LAB_CFG, '--io', 'vxlan', '--vxlan-listen', '127.0.0.1:4789', '--json', '--log-format', 'json']);
    await p.untilLog('forwarding', (o) => o.msg === 'forwarding (--io vxlan)');
    expect(await p.stop('SIGINT')).toBe(0);
    const j = JSON.parse(p.stdout) as Record<string, unknown>;
    expect(j.io_mode).toBe('vxlan');
    expect(j.invariant_rx_eq_tx_plus_drops).toBe(true);
    expect((j.services as unknown[]).length).toBe(4);
  }, 30_000);
});
