/** Parse cost: the flat batch dissector over a mixed capture of every encapsulation. */
import { dissectBatch } from '../../src/nodes/dissect.js';
import type { BenchCase } from '../harness.js';
import { loadBatches } from '../load-capture.js';

export function dissectCases(capture: string): BenchCase[] {
  const { batches, packets } = loadBatches(capture);
  const noCsum = { verifyIp4Checksum: false };
  return [
    {
      group: 'nodes',
      name: 'dissect (all encapsulations, IPv4 checksum verified)',
      perOp: packets,
      targetNs: 45,
      fn: () => {
        for (let k = 0; k < batches.length; k++) dissectBatch(batches[k]!);
      },
    },
    {
      group: 'nodes',
      name: 'dissect (checksum not verified)',
      perOp: packets,
      peer: 'dissect (all encapsulations, IPv4 checksum verified)',
      fn: () => {
        for (let k = 0; k < batches.length; k++) dissectBatch(batches[k]!, noCsum);
      },
    },
  ];
}
