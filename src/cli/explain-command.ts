/** `gwplane explain`: print where a flow goes and why. */
import { ConfigError } from '../control/config-error.js';
import { loadConfig } from '../control/config-load.js';
import { makeHashKey } from '../lb/hash.js';
import { explainFlow } from '../replay/explain.js';
import { CliError, EXIT_USAGE } from './exit-codes.js';
import { stdout } from './output.js';

export interface ExplainCommandOptions {
  config: string;
  at?: number;
  vlan?: number;
  vsid?: number;
  hashSeed?: string;
  json?: boolean;
}

export function runExplainCommand(flow: string, o: ExplainCommandOptions): void {
  let cfg;
  try {
    cfg = loadConfig(o.config);
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(e.message, EXIT_USAGE);
    throw e;
  }
  const r = explainFlow(cfg, flow, {
    ...(o.at !== undefined ? { atS: o.at } : {}),
    ...(o.vlan !== undefined ? { vlan: o.vlan } : {}),
    ...(o.vsid !== undefined ? { vsid: o.vsid } : {}),
    ...(o.hashSeed !== undefined ? { hashKey: makeHashKey(o.hashSeed) } : {}),
  });
  if (typeof r === 'string') throw new CliError(r, EXIT_USAGE);
  if (o.json) {
    stdout().write(JSON.stringify(r, null, 2) + '\n');
    return;
  }
  const lines = [
    `flow:    ${r.flow}  (t=${r.at_s} s)`,
    `path:    ${r.path}`,
    `verdict: ${r.verdict}${r.gateway ? ` -> gateway ${r.gateway}` : ''}${r.tunnel ? ` via tunnel ${r.tunnel}` : ''}${r.drop ? ` (${r.drop})` : ''}`,
    'why:',
    ...r.why.map((w) => `  - ${w}`),
  ];
  stdout().write(lines.join('\n') + '\n');
}
