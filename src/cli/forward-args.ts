/**
 * Argument parsers of `gwplane forward` (commander calls them while parsing). Kept apart from
 * forward-command.ts so that the CLI can declare its options without loading the forwarder.
 */
import { InvalidArgumentError } from 'commander';
import { DEFAULT_PROBE_PORT, DEFAULT_VNI, LAB_FORWARDER_MAC, VXLAN_PORT } from '../forward/defaults.js';
import type { Endpoint } from '../forward/io-vxlan.js';
import { macParse } from '../wire/ethernet.js';
import { ip4FromString } from '../wire/view.js';

/** `HOST:PORT` (HOST an IPv4 literal) -> Endpoint; `defPort` makes the port optional. */
export function parseEndpoint(s: string, defPort?: number): Endpoint {
  const m = /^([^:]+)(?::(\d+))?$/.exec(s);
  const host = m?.[1] ?? '';
  const port = m?.[2] !== undefined ? Number(m[2]) : defPort;
  if (!m || Number.isNaN(ip4FromString(host)) || port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`expected IPv4:PORT${defPort !== undefined ? ' (port optional)' : ''}, got '${s}'`);
  }
  return { host, port };
}

export function endpointArg(defPort?: number): (s: string) => Endpoint {
  return (s) => parseEndpoint(s, defPort);
}

export function vtepArg(s: string, prev: Array<{ name: string; ep: Endpoint }> = []): Array<{ name: string; ep: Endpoint }> {
  const m = /^([A-Za-z0-9_.-]+)=(.+)$/.exec(s);
  if (!m) throw new InvalidArgumentError(`expected GATEWAY=IPv4[:PORT], got '${s}'`);
  return [...prev, { name: m[1]!, ep: parseEndpoint(m[2]!, VXLAN_PORT) }];
}

export function macArg(s: string): string {
  if (macParse(s) === null) throw new InvalidArgumentError(`expected a MAC aa:bb:cc:dd:ee:ff, got '${s}'`);
  return s.toLowerCase();
}

export function vniArg(s: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || n > 0xffffff) throw new InvalidArgumentError(`expected a VNI 0..16777215, got '${s}'`);
  return n;
}

export const FORWARD_DEFAULTS = { vni: DEFAULT_VNI, mac: LAB_FORWARDER_MAC, probePort: DEFAULT_PROBE_PORT, vxlanPort: VXLAN_PORT };


/** The lab configuration `gwplane lab` and the lab test use by default. */
export const DEFAULT_LAB_CONFIG = 'fixtures/configs/lab.yaml';
