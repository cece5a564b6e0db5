/**
 * Correctness at speed, on the large trace (`npm run bench:e2e -- --only reference`):
 *
 * 1. The replay's fast path (the CLI: in-place I/O, the dissector's fast path) against the
 *    slow paths kept beside them (in process: every frame copied in and out, `inPlace: false`):
 *    the two output captures must hold the same records, byte for byte.
 * 2. The data path (dissect + forward, batches of 256) against the slow reference of
 *    reference-path.ts (plain byte reads, full checksums, emit functions) on every frame: the same
 *    verdict, target and output bytes, and every output checksum valid. Frames the data path
 *    drops are counted by reason: the reference models the trace's shapes only, and a random
 *    payload on UDP 4789 is taken for VXLAN by the dissector (a drop: not a valid VXLAN header).
 */
import path from 'node:path';
import { PacketBatch } from '../../src/batch/packet-batch.js';
import { loadConfig } from '../../src/control/config-load.js';
import { CaptureReader } from '../../src/io/capture-reader.js';
import { dissectBatch } from '../../src/nodes/dissect.js';
import { forwardBatch, NEXT_DROP } from '../../src/nodes/gateway-forward.js';
import { runReplay } from '../../src/replay/replay.js';
import { dropName } from '../../src/stats/drop-reasons.js';
import { benchContext } from '../trace-data.js';
import { checksumsOk, reference } from './reference-path.js';
import { sameRecords } from './verify.js';

export interface ReferenceReport {
  /** 1: records of the CLI's output and of the copying replay, and how many differ. */
  records: number;
  recordsDiffering: number;
  /** 2: frames compared with the reference, mismatches, output checksums bad, drops by reason. */
  frames: number;
  mismatches: number;
  badChecksums: number;
  drops: Record<string, number>;
  examples: string[];
}

export function checkAgainstReference(root: string, trace: string, config: string, cliOutput: string, refOutput: string): ReferenceReport {
  const cfg = loadConfig(path.join(root, config));
  runReplay({ read: path.join(root, trace), config: cfg, write: path.join(root, refOutput), inPlace: false });
  const same = sameRecords(path.join(root, cliOutput), path.join(root, refOutput));
  const r: ReferenceReport = { records: same.records, recordsDiffering: same.differing, frames: 0, mismatches: 0, badChecksums: 0, drops: {}, examples: same.examples };

  const { ctx, ctl } = benchContext(config);
  const reader = CaptureReader.open(path.join(root, trace));
  const b = new PacketBatch();
  try {
    while (reader.readBatch(b) > 0) {
      const inputs: Buffer[] = [];
      for (let i = 0; i < b.count; i++) inputs.push(Buffer.from(b.arena.subarray(b.base[i]!, b.base[i]! + b.len[i]!)));
      dissectBatch(b);
      forwardBatch(b, 0, b.count, ctx, null);
      for (let i = 0; i < b.count; i++) {
        r.frames++;
        if (b.next[i] === NEXT_DROP) {
          const why = dropName(b.drop[i]!);
          r.drops[why] = (r.drops[why] ?? 0) + 1;
          continue;
        }
        const out = b.arena.subarray(b.base[i]!, b.base[i]! + b.len[i]!);
        const want = reference(inputs[i]!, cfg, ctl, ctl.hashKey);
        if (want.next !== b.next[i] || want.target !== b.target[i] || !want.bytes.equals(out)) {
          if (r.mismatches++ < 3) r.examples.push(`frame ${r.frames - 1}: verdict ${b.next[i]}/${b.target[i]}, reference ${want.next}/${want.target}`);
        }
        if (!checksumsOk(Buffer.from(out))) r.badChecksums++;
      }
    }
  } finally {
    reader.close();
  }
  return r;
}
