/**
 * The read-walk-write limit (bench/e2e.ts): a process that reads a capture, walks its record
 * headers and writes it unchanged. `node dist/bench/e2e/rww.cjs IN OUT` (bundled as CommonJS,
 * as the CLI's launcher is: scripts/bundle.mjs).
 */
import fs from 'node:fs';
import { walkFile } from './pcap-walk.js';

const [inFile, outFile] = process.argv.slice(2);
if (!inFile || !outFile) {
  process.stderr.write('usage: rww.cjs IN OUT\n');
  process.exit(2);
}
const out = fs.openSync(outFile, 'w');
const n = walkFile(inFile, (buf, end) => {
  let o = 0;
  while (o < end) o += fs.writeSync(out, buf, o, end - o);
});
fs.closeSync(out);
process.stdout.write(JSON.stringify({ packets: n }) + '\n');
