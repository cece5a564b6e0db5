/**
 * In-process limits (bench/e2e.ts): walking the record headers of a capture already in
 * memory, and reading it in 1 MiB chunks while walking; each timed inside the process,
 * median of `rounds`. `node dist/bench/e2e/walk.js IN [rounds]` prints JSON.
 */
import fs from 'node:fs';
import { walkBuffer, walkFile } from './pcap-walk.js';

const file = process.argv[2]!;
const rounds = Number(process.argv[3] ?? 5);
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const whole = fs.readFileSync(file);
const walk: number[] = [];
const readWalk: number[] = [];
let packets = 0;
for (let r = 0; r < rounds; r++) {
  let t = process.hrtime.bigint();
  packets = walkBuffer(whole);
  walk.push(Number(process.hrtime.bigint() - t));
  t = process.hrtime.bigint();
  walkFile(file);
  readWalk.push(Number(process.hrtime.bigint() - t));
}
process.stdout.write(JSON.stringify({ packets, walkNsPerPacket: med(walk) / packets, readWalkNsPerPacket: med(readWalk) / packets }) + '\n');
