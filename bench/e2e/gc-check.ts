/**
 * Zero allocations per packet once warm (bench/e2e.ts): the data path (restore, dissect,
 * forward) over the trace's first packets, warmed up for `warm` passes, then run for `passes`
 * passes with V8's --trace-gc switched on at run time: any GC line printed after the
 * marker is a GC after warm-up. Also counts the GCs that start during the measured passes with a
 * PerformanceObserver and reports the heap growth over them.
 *
 *   node dist/bench/e2e/gc-check.js IN [packets] [warm] [passes]
 * Prints the GC trace lines (if any), then one JSON line.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { PacketBatch } from '../../src/batch/packet-batch.js';
import { dissectBatch } from '../../src/nodes/dissect.js';
import { forwardBatch } from '../../src/nodes/gateway-forward.js';
import { copyBatch, loadBatches } from '../load-capture.js';
import { benchContext } from '../trace-data.js';

const [file = '', packetsArg = '65536', warmArg = '20', passesArg = '200'] = process.argv.slice(2);
const { batches, packets } = loadBatches(file, Number(packetsArg));
const work = batches.map((b) => new PacketBatch(b.capacity, b.arena.length));
const { ctx } = benchContext();

function pass(): void {
  for (let k = 0; k < batches.length; k++) {
    const b = work[k]!;
    copyBatch(batches[k]!, b);
    dissectBatch(b);
    forwardBatch(b, 0, b.count, ctx, null);
  }
}

for (let r = 0; r < Number(warmArg); r++) pass();
// GCs that start inside the measured passes, [start, end] in performance.now() time. The
// observer's callback runs later, after the passes, and also sees what follows them (the
// incremental marking a late JIT compile started, finished by the reports below: 0-2 GCs).
let gcs = 0;
let start = Infinity;
let end = Infinity;
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.startTime >= start && e.startTime <= end) gcs++;
});
obs.observe({ entryTypes: ['gc'] });
const heap0 = process.memoryUsage().heapUsed;
process.stdout.write('--- warm: --trace-gc on ---\n');
v8.setFlagsFromString('--trace-gc');
const t0 = process.hrtime.bigint();
start = performance.now();
const passes = Number(passesArg);
for (let r = 0; r < passes; r++) pass();
end = performance.now();
const ns = Number(process.hrtime.bigint() - t0);
v8.setFlagsFromString('--no-trace-gc');
const heap1 = process.memoryUsage().heapUsed;
// let the observer's callback run
setTimeout(() => {
  obs.disconnect();
  const total = packets * passes;
  process.stdout.write(
    '--- done ---\n' +
      JSON.stringify({ packets: total, gcs, heapGrowthBytes: heap1 - heap0, bytesPerPacket: (heap1 - heap0) / total, nsPerPacket: ns / total }) +
      '\n',
  );
}, 50);
