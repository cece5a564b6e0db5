/**
 * `gwplane dissect`: print one row per frame with the tshark oracle's column names and
 * value formats, so the output compares line by line with `tshark -T fields`.
 */
import { PacketBatch } from '../batch/packet-batch.js';
import { CaptureReader } from '../io/capture-reader.js';
import { dissectBatch } from '../nodes/dissect.js';
import { dropName } from '../stats/drop-reasons.js';
import { DISSECT_COLUMNS, dissectRow } from './dissect-row.js';
import { TextOut } from './output.js';

export interface DissectCommandOptions {
  read: string;
  count?: number;
  format: 'tsv' | 'json';
  /** add a `gwplane.drop` column: the dissector's drop reason (empty when none) */
  drops?: boolean;
}

export function runDissect(o: DissectCommandOptions, out = new TextOut()): { frames: number; warnings: string[] } {
  const reader = CaptureReader.open(o.read);
  const batch = new PacketBatch();
  const limit = o.count ?? Infinity;
  const cols = o.drops ? [...DISSECT_COLUMNS, 'gwplane.drop'] : DISSECT_COLUMNS;
  let frame = 0;
  if (o.format === 'tsv') out.write(cols.join('\t') + '\n');
  else out.write('[');
  try {
    while (frame < limit && !out.closed) {
      const n = reader.readBatch(batch);
      if (n === 0) break;
      dissectBatch(batch);
      for (let i = 0; i < n && frame < limit; i++) {
        frame++;
        const row = dissectRow(batch, i, frame);
        if (o.drops) row.push(batch.drop[i] ? dropName(batch.drop[i]!) : '');
        if (o.format === 'tsv') out.write(row.join('\t') + '\n');
        else {
          const obj: Record<string, string> = {};
          for (let c = 0; c < cols.length; c++) if (row[c] !== '') obj[cols[c]!] = row[c]!;
          out.write((frame > 1 ? ',\n' : '\n') + JSON.stringify(obj));
        }
      }
    }
  } finally {
    reader.close();
  }
  if (o.format === 'json') out.write('\n]\n');
  out.flush();
  return { frames: frame, warnings: reader.warnings };
}
