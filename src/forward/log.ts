/**
 * The forwarder's and responder's log: pino, one JSON object per line on stderr
 * (synchronous, so a line is out when the event happened); on a terminal (or with
 * `--log-format pretty`) a compact human line instead, formatted here (no pino-pretty):
 *
 *   08:41:07.512 WARN  gw1 down (3 probes missed): gw3 takes over  gateway=gw1 role=down ...
 */
import { pino, type Logger } from 'pino';

export type LogFormat = 'json' | 'pretty';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name']);

function value(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? '[]' : `[${v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('; ')}]`;
  if (typeof v === 'string') return /\s/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/** One human line from one pino JSON line. */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const d = new Date(typeof o.time === 'number' ? o.time : Date.now());
  const t = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:${String(d.getSeconds()).padStart(2, '0')}.${String(d.getMilliseconds()).padStart(3, '0')}`;
  const lvl = (LEVELS[o.level as number] ?? String(o.level)).padEnd(5);
  const rest = Object.entries(o)
    .filter(([k, v]) => !SKIP.has(k) && v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(' ');
  return `${t} ${lvl} ${String(o.msg ?? '')}${rest ? `  ${rest}` : ''}\n`;
}

export function makeLogger(name: string, format?: LogFormat): Logger {
  const pretty = (format ?? (process.stderr.isTTY ? 'pretty' : 'json')) === 'pretty';
  const opts = { name, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.epochTime };
  if (!pretty) return pino(opts, pino.destination({ dest: 2, sync: true }));
  return pino(opts, {
    write(s: string) {
      process.stderr.write(prettyLine(s));
    },
  });
}
