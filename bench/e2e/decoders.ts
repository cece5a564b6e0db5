/**
 * The npm packet decoders a TypeScript user would otherwise pick, on the same capture
 * (bench/e2e.ts). They live in bench/peers/ (its own package.json, never a dependency of
 * gwplane) and are loaded from there; a decoder that is not installed or did not build is
 * skipped with the reason.
 *
 *   node dist/bench/e2e/decoders.js cap|pcap IN process        read + decode every packet
 *   node dist/bench/e2e/decoders.js cap|pcap IN warm [rounds]  decode the first 16,384 packets (PARSE_MAX, as
 *                                                              parse.js), preloaded (median ns/packet after
 *                                                              the warm-up of warm-rounds.ts)
 *   node dist/bench/e2e/decoders.js cap|pcap IN check          only whether the decoder loads
 *
 * What each decodes, as deep as it goes by itself:
 * - cap (`cap.decoders`): Ethernet (one 802.1Q tag), IPv4, then UDP or TCP. No GRE, ESP or
 *   anything inside a tunnel: a user would write that part by hand.
 * - pcap (`pcap.decode.packet`): Ethernet, 802.1Q, IPv4, UDP/TCP/ICMP/..., into objects;
 *   no GRE payload either.
 * gwplane's dissector (parse.js) walks every encapsulation to the innermost 5-tuple and
 * verifies the IPv4 header checksums: the comparison favours the decoders. bench/e2e.ts runs
 * this and parse.js alternately, process after process, and takes the median of the
 * per-round ratios: each side in its own process (a decoder's garbage does not slow
 * gwplane's dissector down, nor the other way), both meeting the same moods of the machine.
 * Prints JSON: { packets, nsPerPacket? } or { skip: reason }.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { walkFile } from './pcap-walk.js';
import { warmNsPerPacket } from './warm-rounds.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// dist/bench/e2e -> bench/peers (sources) of the repository
const root = path.resolve(here, path.basename(path.resolve(here, '../..')) === 'dist' ? '../../..' : '../..');
const peers = path.join(root, 'bench/peers/package.json');

type Decode = (buf: Buffer, off: number, len: number, hdr: Buffer) => number;

function load(lib: string): Decode | string {
  if (!fs.existsSync(peers)) return `${peers} is missing`;
  const req = createRequire(peers);
  try {
    if (lib === 'cap') {
      const dec = (req('cap') as { decoders: Record<string, any> }).decoders;
      const P = dec.PROTOCOL as { ETHERNET: Record<string, number>; IP: Record<string, number> };
      return (buf, off) => {
        const eth = dec.Ethernet(buf, off);
        let x = eth.offset as number;
        if (eth.info.type === P.ETHERNET.IPV4) {
          const ip = dec.IPV4(buf, eth.offset);
          x ^= ip.info.protocol;
          if (ip.info.protocol === P.IP.UDP) x ^= dec.UDP(buf, ip.offset).info.dstport;
          else if (ip.info.protocol === P.IP.TCP) x ^= dec.TCP(buf, ip.offset).info.dstport;
        }
        return x;
      };
    }
    if (lib === 'pcap') {
      const decode = (req('pcap') as { decode: { packet: (p: object) => any } }).decode.packet;
      return (buf, _off, _len, hdr) => {
        const p = decode({ buf, header: hdr, link_type: 'LINKTYPE_ETHERNET' });
        return p.payload.ethertype as number;
      };
    }
    return `unknown decoder ${lib}`;
  } catch (e) {
    return `${lib} cannot be loaded (not installed or not built: cd bench/peers && npm install; needs libpcap-dev): ${(e as Error).message.split('\n')[0]}`;
  }
}

const [lib = '', file = '', mode = 'process', roundsArg = '30'] = process.argv.slice(2);
const decode = load(lib);
if (typeof decode === 'string') {
  process.stdout.write(JSON.stringify({ skip: decode }) + '\n');
  process.exit(0);
}
if (mode === 'check') {
  process.stdout.write('{}\n');
  process.exit(0);
}
// pcap.decode.packet wants a 16-byte libpcap header (sec, usec, caplen, len): the record header is exactly that
let sink = 0;
if (mode === 'process') {
  let n = 0;
  walkFile(file, (buf, end) => {
    if (end === 24 && n === 0 && buf.readUInt32LE(0) === 0xa1b2c3d4) return; // the file header
    let p = 0;
    while (p < end) {
      const cap = buf.readUInt32LE(p + 8);
      sink ^= decode(buf.subarray(p + 16, p + 16 + cap), 0, cap, buf.subarray(p, p + 16));
      p += 16 + cap;
      n++;
    }
  });
  process.stdout.write(JSON.stringify({ packets: n, sink }) + '\n');
} else {
  const max = Number(process.env.PARSE_MAX ?? 16_384);
  const whole = fs.readFileSync(file);
  const pkts: Buffer[] = [];
  const hdrs: Buffer[] = [];
  for (let p = 24; p + 16 <= whole.length && pkts.length < max; ) {
    const cap = whole.readUInt32LE(p + 8);
    hdrs.push(whole.subarray(p, p + 16));
    pkts.push(whole.subarray(p + 16, p + 16 + cap));
    p += 16 + cap;
  }
  const ns = warmNsPerPacket(() => {
    for (let i = 0; i < pkts.length; i++) sink ^= decode(pkts[i]!, 0, pkts[i]!.length, hdrs[i]!);
  }, pkts.length, Number(roundsArg));
  process.stdout.write(JSON.stringify({ packets: pkts.length, nsPerPacket: ns, sink }) + '\n');
}
