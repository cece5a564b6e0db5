/**
 * gwplane command line. Exit codes: 0 ok, 1 runtime/input error, 2 usage or configuration
 * error, 3 missing permission (CAP_NET_RAW), 4 raw-socket not installed/built,
 * 5 address/port in use or unknown interface.
 *
 * The program that runs it is dist/src/cli/main.cjs (package.json `bin`; src/cli/launch.ts),
 * which loads this module bundled with everything it imports (src/cli/gwplane.ts ->
 * dist/src/cli/gwplane.cjs) and calls `runCli`.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { CaptureError } from '../io/capture-error.js';
import { oneOf, positiveInt } from './args.js';
import { nonNegativeNumber } from './args.js';
import { DEFAULT_LAB_CONFIG, endpointArg, FORWARD_DEFAULTS, macArg, vniArg, vtepArg } from './forward-args.js';
// Commands are loaded when they run (each brings its own dependencies: yaml, pino, the
// report, the forwarder...), so that `gwplane dissect` or `--help` start fast.
import type { ReplayCommandOptions } from './replay-command.js';
import type { ExplainCommandOptions } from './explain-command.js';
import type { ConfigCheckOptions } from './config-command.js';
import type { ReportCommandOptions } from './report-command.js';
import type { BenchCommandOptions } from './bench-command.js';
import type { ForwardCommandOptions } from './forward-command.js';
import type { runResponderCommand } from './responder-command.js';
import type { LabTrafficOptions, LabUpOptions } from './lab-command.js';

import { CliError, EXIT_RUNTIME, EXIT_USAGE } from './exit-codes.js';
import { stdout } from './output.js';

const pkgPath = fileURLToPath(new URL('../../../package.json', import.meta.url));
const version = (JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as { version: string }).version;

const EXIT_HELP = `
Exit codes:
  0  success
  1  runtime or input error (unreadable or malformed capture, I/O failure)
  2  usage or configuration error (bad flag, invalid config: file:line:col)
  3  permission denied (raw sockets need CAP_NET_RAW)
  4  raw-socket not installed or not built
  5  address or port in use, or unknown interface`;

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('gwplane')
    .description('A data plane for highly available tunnel gateways: SLB NAT, tunnel ECMP with stickiness, VIP/CA-IP takeover, on pcap captures.')
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_HELP)
    .exitOverride()
    // help and version through stdout(), quiet on a closed pipe (inherited by the subcommands)
    .configureOutput({ writeOut: (s) => stdout().write(s) });

  program
    .command('dissect')
    .description("print one row per frame with tshark's field names and formats (compare with the corpus oracle)")
    .requiredOption('-r, --read <file>', "capture to read (pcap or pcapng), '-' for stdin")
    .option('-c, --count <n>', 'stop after n frames', positiveInt)
    .addOption(new Option('--format <fmt>', 'output format').argParser(oneOf(['tsv', 'json'] as const)).default('tsv'))
    .option('--drops', "add a column with gwplane's drop reason per frame")
    .addHelpText('after', EXIT_HELP)
    .action(async (o: { read: string; count?: number; format: 'tsv' | 'json'; drops?: boolean }) => {
      const { runDissect } = await import('./dissect-command.js');
      const r = runDissect(o);
      for (const w of r.warnings) process.stderr.write(`gwplane: warning: ${w}\n`);
    });

  program
    .command('replay')
    .description("replay a capture through the gateway data plane on the capture's clock; print the summary and failover scorecard")
    .requiredOption('-r, --read <file>', "capture to read (pcap or pcapng), '-' for stdin")
    .requiredOption('--config <file>', 'gateway configuration (YAML or JSON)')
    .option('-w, --write <file>', "write the rewritten capture ('-' for stdout); .pcapng gets a verdict comment per packet")
    .addOption(new Option('--format <fmt>', 'output capture format (default: from the file name, else pcap)').argParser(oneOf(['pcap', 'pcapng'] as const)))
    .option('-c, --count <n>', 'stop after n packets', positiveInt)
    .option('--json', 'print the result as one JSON object')
    .option('--hash-seed <seed>', 'fix the flow hash key (overrides the config) for reproducible runs')
    .option('--stats <seconds>', 'print a one-line progress record on stderr every N seconds (terminal or not)', positiveInt)
    .option('--report <file.html>', 'also write the HTML failover report (charts, scorecard) of this run')
    .addHelpText('after', '\nOn a terminal, a progress bar is shown on stderr (not in a pipe). Ctrl-C stops after the current\nbatch, prints the summary of what was done and leaves no output file.\n' + EXIT_HELP)
    .action(async (o: ReplayCommandOptions) => {
      const { runReplayCommand } = await import('./replay-command.js');
      await runReplayCommand(o);
    });

  program
    .command('report')
    .description('write the self-contained HTML failover report (charts, scorecard) of a saved `replay --json` result')
    .argument('<run.json>', "the output of 'gwplane replay --json' ('-' for stdin)")
    .option('-o, --output <file.html>', "where to write the report ('-' for stdout; default: RUN.html beside RUN.json)")
    .addHelpText('after', EXIT_HELP)
    .action(async (run: string, o: ReportCommandOptions) => {
      const { runReportCommand } = await import('./report-command.js');
      runReportCommand(run, o);
    });

  const config = program
    .command('config')
    .description('configuration tools')
    // `gwplane config` alone names no tool: a usage error, with the help on stderr
    .action(() => {
      config.outputHelp({ error: true });
      throw new CliError("'gwplane config' needs a subcommand: check", EXIT_USAGE);
    });
  config
    .command('check')
    .description('validate a configuration (errors as file:line:col) and print what the controller derives: placement, pools, gateway load, Maglev shares per site, SLB NAT rules')
    .argument('<file>', 'gateway configuration (YAML or JSON)')
    .option('--json', 'print the result as one JSON object')
    .addHelpText('after', EXIT_HELP)
    .action(async (file: string, o: ConfigCheckOptions) => {
      const { runConfigCheck } = await import('./config-command.js');
      runConfigCheck(file, o);
    });

  program
    .command('explain')
    .description('say which path, gateway or tunnel a flow takes and why (rule, Maglev slot, table generation)')
    .argument('<flow>', "e.g. 'udp 192.0.2.1:4500 > 203.0.113.10:4500', 'esp 192.0.2.1 > 203.0.113.10 spi 0x1001', 'gre 192.0.2.1 > 198.51.100.21'")
    .requiredOption('--config <file>', 'gateway configuration (YAML or JSON)')
    .option('--at <seconds>', "scenario time: tables as they are at T seconds of the config's scenario", nonNegativeNumber)
    .option('--vlan <id>', 'send the packet with this 802.1Q tag (L3 path)', positiveInt)
    .option('--vsid <vsid>', 'send the flow as NVGRE from a compute host with this VSID (tunnel path)', positiveInt)
    .option('--hash-seed <seed>', 'fix the flow hash key (overrides the config)')
    .option('--json', 'print the answer as JSON')
    .addHelpText('after', EXIT_HELP)
    .action(async (flow: string, o: ExplainCommandOptions) => {
      const { runExplainCommand } = await import('./explain-command.js');
      runExplainCommand(flow, o);
    });

  program
    .command('forward')
    .description('run the data plane as a live forwarder between real hosts: raw sockets (--io raw) or kernel VXLAN devices (--io vxlan, no native code); live health probes and takeover')
    .requiredOption('--config <file>', 'gateway configuration (YAML or JSON)')
    .addOption(new Option('--io <mode>', 'raw: IPv4 on raw sockets (raw-socket, CAP_NET_RAW); vxlan: Ethernet frames in VXLAN over UDP (node:dgram)').argParser(oneOf(['raw', 'vxlan'] as const)).makeOptionMandatory())
    .option('--stats <seconds>', 'print a one-line record on stdout every N seconds', positiveInt)
    .option('--metrics <host:port>', 'serve Prometheus text on http://HOST:PORT/metrics (prom-client)', endpointArg())
    .option('--interface <name>', 'raw: bind the sockets to this interface; vxlan: listen on its address')
    .option('--vxlan-listen <ip:port>', `vxlan: where the VXLAN frames of both sides arrive (default 0.0.0.0:${FORWARD_DEFAULTS.vxlanPort})`, endpointArg(FORWARD_DEFAULTS.vxlanPort))
    .option('--vni <n>', 'vxlan: the VNI accepted and sent', vniArg, FORWARD_DEFAULTS.vni)
    .option('--outside <ip[:port]>', 'vxlan: the outside VTEP (default: learned from the first frame not from a gateway)', endpointArg(FORWARD_DEFAULTS.vxlanPort))
    .option('--vtep <gateway=ip[:port]>', "vxlan: a gateway's VTEP (repeatable; default: the gateway's DIP, VXLAN port)", vtepArg, [])
    .option('--mac <mac>', 'vxlan: our MAC, the source of frames sent to the outside', macArg, FORWARD_DEFAULTS.mac)
    .option('--probe-port <port>', 'vxlan: UDP port of `gwplane responder` on each gateway', positiveInt, FORWARD_DEFAULTS.probePort)
    .option('--probe-timeout <ms>', 'a probe unanswered after this long is a miss (default: interval / 2)', positiveInt)
    .option('--hash-seed <seed>', 'fix the flow hash key (overrides the config)')
    .option('--json', 'print the final summary as one JSON object')
    .addOption(new Option('--log-format <fmt>', 'log lines on stderr (default: pretty on a terminal, else json)').argParser(oneOf(['json', 'pretty'] as const)))
    .addHelpText('after', '\nRuns until SIGINT or SIGTERM, then prints the final summary (ipvsadm-style tables) and exits 0.\nEach health state change is one log line (pino JSON on stderr).\n' + EXIT_HELP)
    .action(async (o: ForwardCommandOptions) => {
      const { runForwardCommand } = await import('./forward-command.js');
      await runForwardCommand(o);
    });

  program
    .command('responder')
    .description('answer the UDP health probes of `forward --io vxlan` (run it in each gateway)')
    .option('--listen <ip:port>', 'address and port to answer on', endpointArg(FORWARD_DEFAULTS.probePort), { host: '0.0.0.0', port: FORWARD_DEFAULTS.probePort })
    .addOption(new Option('--log-format <fmt>', 'log lines on stderr (default: pretty on a terminal, else json)').argParser(oneOf(['json', 'pretty'] as const)))
    .addHelpText('after', EXIT_HELP)
    .action(async (o: Parameters<typeof runResponderCommand>[0]) => {
      const { runResponderCommand } = await import('./responder-command.js');
      await runResponderCommand(o);
    });

  program
    .command('stats')
    .description('print the ipvsadm-style tables of a running forwarder (started with --metrics) from its metrics')
    .requiredOption('--metrics <host:port>', 'where the forwarder serves /metrics', endpointArg())
    .option('--json', 'print the tables as one JSON object')
    .addHelpText('after', EXIT_HELP)
    .action(async (o: { metrics: { host: string; port: number }; json?: boolean }) => {
      const { runStatsCommand } = await import('./stats-command.js');
      await runStatsCommand(o);
    });

  const lab = program.command('lab').description('the Linux lab: network namespaces onprem, fwd, gw1, gw2, gw3 (root)');
  lab
    .command('up')
    .description('build the lab (removing any previous one): veth, a bridge, VXLAN devices, addresses from the config')
    .option('--config <file>', 'lab configuration', DEFAULT_LAB_CONFIG)
    .option('--dry-run', 'print the ip commands instead of running them')
    .option('-v, --verbose', 'print each command as it runs')
    .addHelpText('after', EXIT_HELP)
    .action(async (o: LabUpOptions) => {
      const { runLabUp } = await import('./lab-command.js');
      runLabUp(o);
    });
  lab
    .command('down')
    .description('remove the lab (idempotent; also after a failed run): kill what runs in its namespaces, delete them')
    .option('-v, --verbose', 'print each step')
    .action(async (o: { verbose?: boolean }) => {
      const { runLabDown } = await import('./lab-command.js');
      runLabDown(o);
    });
  lab
    .command('status')
    .description('say which lab namespaces exist')
    .action(async () => {
      const { runLabStatus } = await import('./lab-command.js');
      runLabStatus();
    });
  lab
    .command('traffic')
    .description('write numbered test traffic for the lab (IKE, NAT-T, ESP, GRE, NVGRE flows, 802.1Q) as a pcap for tcpreplay')
    .option('--config <file>', 'lab configuration', DEFAULT_LAB_CONFIG)
    .requiredOption('--out <file.pcap>', 'capture to write')
    .option('--rounds <n>', 'rounds (each stream once per round)', positiveInt, 100)
    .option('--flows <n>', 'NVGRE inner flows per site', positiveInt, 16)
    .option('--kinds <list>', 'only these stream kinds, comma-separated: ike,natt,esp,gre,nvgre,l3')
    .addOption(new Option('--mode <mode>', 'vxlan: for onprem vx0; raw: for onprem eth0; kernel: SLB streams sent straight to the DIPs').argParser(oneOf(['vxlan', 'raw', 'kernel'] as const)).default('vxlan'))
    .action(async (o: LabTrafficOptions) => {
      const { runLabTraffic } = await import('./lab-command.js');
      runLabTraffic(o);
    });

  program
    .command('bench')
    .description('run the microbenchmarks (bench/): ns/packet and Mpps, median of several rounds with spread, and the machine facts; an unfiltered run writes bench/RESULTS.md')
    .option('--json', 'print the results as one JSON object')
    .option('--filter <re>', 'only the cases whose group/name matches this regular expression (plus the cases they subtract)')
    .option('--rounds <n>', 'independent rounds per case (default 5)', positiveInt)
    .option('--time <ms>', 'tinybench time per case and round (default 300)', positiveInt)
    .option('--no-results', 'do not write bench/RESULTS.md (smoke runs)')
    .addHelpText('after', EXIT_HELP)
    .action(async (o: BenchCommandOptions) => {
      const { runBenchCommand } = await import('./bench-command.js');
      await runBenchCommand(o);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end with code 0; every parse error is a usage error.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return EXIT_USAGE;
    }
    if (e instanceof CliError) {
      process.stderr.write(`gwplane: error: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof CaptureError) {
      process.stderr.write(`gwplane: error: ${e.message}\n`);
      return EXIT_RUNTIME;
    }
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err.code === 'string' && typeof err.message === 'string') {
      process.stderr.write(`gwplane: error: ${err.message}\n`);
      return EXIT_RUNTIME;
    }
    throw e;
  }
}

/** Run the command line on `argv` and set the process's exit code (the program's entry). */
export function runCli(argv: string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`gwplane: internal error: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = EXIT_RUNTIME;
    },
  );
}

// `node dist/src/cli/main.js` (tsc's output of this module, unbundled) runs the command line
// too, as it did when that path was the launcher (now main.cjs): not silently nothing
if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) runCli(process.argv);
