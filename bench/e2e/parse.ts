/**
 * gwplane's parse, for the comparison with the npm decoders (bench/e2e.ts):
 *   node dist/bench/e2e/parse.js IN process        read + dissect every packet (a whole process)
 *   node dist/bench/e2e/parse.js IN warm [rounds]  dissect the first 16,384 packets (PARSE_MAX), preloaded,
 *                                                  ns/packet (median of rounds after the warm-up of
 *                                                  warm-rounds.ts)
 *   node dist/bench/e2e/parse.js IN outer [rounds] the same packets, laid out as decoders.js has them (one
 *                                                  buffer, each packet's offset and length), through
 *                                                  gwplane's header checks (src/wire) doing what the npm
 *                                                  `cap` decoder does there: Ethernet, one 802.1Q tag,
 *                                                  IPv4, the UDP or TCP destination port. No tunnel, no
 *                                                  checksum: the same work, for the comparison of like
 *                                                  with like beside the dissector's (which does more)
 * Prints JSON.
 */
import { PacketBatch } from '../../src/batch/packet-batch.js';
import { CaptureReader } from '../../src/io/capture-reader.js';
import { dissectBatch } from '../../src/nodes/dissect.js';
import { ETHERTYPE_IP4, ETHERTYPE_VLAN, ethCheck, ethType } from '../../src/wire/ethernet.js';
import { IPPROTO_TCP, IPPROTO_UDP, ip4Check } from '../../src/wire/ipv4.js';
import { tcpCheck, tcpDport, tcpSport } from '../../src/wire/tcp.js';
import { udpCheck, udpDport, udpSport } from '../../src/wire/udp.js';
import { vlanCheck, vlanType } from '../../src/wire/vlan.js';
import fs from 'node:fs';
import { loadBatches } from '../load-capture.js';
import { warmNsPerPacket } from './warm-rounds.js';

const [file, mode = 'process', roundsArg = '30'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: parse.js IN process|warm|outer [rounds]\n');
  process.exit(2);
}
if (mode === 'process') {
  const r = CaptureReader.open(file);
  const b = new PacketBatch();
  let n = 0;
  let drops = 0;
  // in place where the replay reads in place (little-endian pcap), else copied
  const inPlace = r.inPlaceCapable;
  for (;;) {
    const k = inPlace ? r.readBatchInPlace(b) : r.readBatch(b);
    if (k === 0) break;
    dissectBatch(b);
    for (let i = 0; i < k; i++) if (b.drop[i] !== 0) drops++;
    n += k;
  }
  r.close();
  process.stdout.write(JSON.stringify({ packets: n, drops }) + '\n');
} else if (mode === 'outer') {
  // decoders.ts's layout: the file in one buffer, each packet's offset and length precomputed
  const max = Number(process.env.PARSE_MAX ?? 16_384);
  const whole = fs.readFileSync(file);
  const v = new DataView(whole.buffer, whole.byteOffset, whole.byteLength);
  const offs: number[] = [];
  const lens: number[] = [];
  for (let p = 24; p + 16 <= whole.length && offs.length < max; ) {
    const cap = whole.readUInt32LE(p + 8);
    offs.push(p + 16);
    lens.push(cap);
    p += 16 + cap;
  }
  const off = Int32Array.from(offs);
  const len = Int32Array.from(lens);
  let sink = 0;
  const ns = warmNsPerPacket(() => {
    for (let i = 0; i < off.length; i++) sink ^= outer(v, off[i]!, off[i]! + len[i]!);
  }, off.length, Number(roundsArg));
  process.stdout.write(JSON.stringify({ packets: off.length, nsPerPacket: ns, sink }) + '\n');
} else {
  const { batches, packets } = loadBatches(file, Number(process.env.PARSE_MAX ?? 16_384));
  const ns = warmNsPerPacket(() => {
    for (const b of batches) dissectBatch(b);
  }, packets, Number(roundsArg));
  process.stdout.write(JSON.stringify({ packets, nsPerPacket: ns }) + '\n');
}

/** What decoders.ts has `cap` decode, with gwplane's header checks: a number from the fields read. */
function outer(v: DataView, o: number, end: number): number {
  if (ethCheck(v, o, end) < 0) return 0;
  let type = ethType(v, o);
  let l3 = o + 14;
  if (type === ETHERTYPE_VLAN) {
    if (vlanCheck(v, l3, end) < 0) return 0;
    type = vlanType(v, l3);
    l3 += 4;
  }
  let x = l3 - o;
  if (type !== ETHERTYPE_IP4) return x;
  const hlen = ip4Check(v, l3, end);
  if (hlen < 0) return x;
  // cap's decoders read every field of each header (into objects, addresses as strings); these
  // are the fields gwplane keeps: protocol, addresses, ports
  const proto = v.getUint8(l3 + 9);
  x ^= proto ^ v.getInt32(l3 + 12) ^ v.getInt32(l3 + 16);
  const l4 = l3 + hlen;
  if (proto === IPPROTO_UDP) {
    if (udpCheck(v, l4, end) >= 0) x ^= udpSport(v, l4) ^ udpDport(v, l4);
  } else if (proto === IPPROTO_TCP) {
    if (tcpCheck(v, l4, end) >= 0) x ^= tcpSport(v, l4) ^ tcpDport(v, l4);
  }
  return x;
}
