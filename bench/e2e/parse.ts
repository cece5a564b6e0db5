/**
 * gwplane's parse, for the comparison with the npm decoders (bench/e2e.ts):
 *   node dist/bench/e2e/parse.js IN process        read + dissect every packet (a whole process)
 *   node dist/bench/e2e/parse.js IN warm [rounds]  dissect the first 16,384 packets (PARSE_MAX), preloaded,
 *                                                  ns/packet (median of rounds after one warm-up round)
 * Prints JSON.
 */
import { PacketBatch } from '../../src/batch/packet-batch.js';
import { CaptureReader } from '../../src/io/capture-reader.js';
import { dissectBatch } from '../../src/nodes/dissect.js';
import { loadBatches } from '../load-capture.js';

/** Unmeasured rounds first, so that the JIT has optimised both sides (one round of 16k packets was not enough). */
const WARMUP_ROUNDS = 20;

const [file, mode = 'process', roundsArg = '5'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: parse.js IN process|warm [rounds]\n');
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
} else {
  const { batches, packets } = loadBatches(file, Number(process.env.PARSE_MAX ?? 16_384));
  const xs: number[] = [];
  for (let r = 0; r < Number(roundsArg) + WARMUP_ROUNDS; r++) {
    const t = process.hrtime.bigint();
    for (const b of batches) dissectBatch(b);
    if (r >= WARMUP_ROUNDS) xs.push(Number(process.hrtime.bigint() - t) / packets); // the first rounds warm up (JIT)
  }
  xs.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ packets, nsPerPacket: xs[xs.length >> 1] }) + '\n');
}
