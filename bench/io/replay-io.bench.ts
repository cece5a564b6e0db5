/**
 * A capture through the replay's I/O without the data path, per packet: read every record and
 * write every packet back, by the copying path (CaptureReader.readBatch into the batch arena,
 * CaptureWriter.writePacket into the writer's buffer) and by the in-place path the replay takes
 * for pcap in, pcap out (readBatchInPlace, InPlaceOutput.keep: no packet copied). The trace mix
 * (16,384 packets, ~2.4 MB) is written once to a temporary file; both cases read it from the
 * page cache and write to /dev/shm when there is one (memory, not a disk).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PacketBatch } from '../../src/batch/packet-batch.js';
import { CaptureReader } from '../../src/io/capture-reader.js';
import { CaptureWriter } from '../../src/io/capture-writer.js';
import { InPlaceOutput } from '../../src/io/in-place-output.js';
import type { BenchCase } from '../harness.js';
import { MICRO_PACKETS } from '../trace-data.js';
import { writeTrace } from '../../fixtures/gen-trace.js';

export function replayIoCases(): BenchCase[] {
  const dir = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const input = path.join(dir, `gwplane-bench-io-${process.pid}.pcap`);
  const output = path.join(dir, `gwplane-bench-io-${process.pid}-out.pcap`);
  writeTrace(input, { packets: MICRO_PACKETS, flows: 4000, seed: 4 });
  process.once('exit', () => {
    for (const f of [input, output]) fs.rmSync(f, { force: true });
  });
  const batch = new PacketBatch();
  const copied = (): void => {
    const r = CaptureReader.open(input);
    const w = CaptureWriter.open(output, 'pcap', { nanos: true });
    while (r.readBatch(batch) > 0) {
      for (let i = 0; i < batch.count; i++) w.writePacket(batch.arena, batch.base[i]!, batch.len[i]!, batch.wireLen[i]!, batch.tsSec[i]!, batch.tsNsec[i]!);
    }
    r.close();
    w.commit();
  };
  const inPlace = (): void => {
    const r = CaptureReader.open(input);
    const h = r.pcapHeader;
    const w = CaptureWriter.open(output, 'pcap', { nanos: h.nanos, snaplen: h.snaplen, linkType: h.linkType });
    const out = new InPlaceOutput(w, h.nanos);
    r.beforeMove = () => out.flush();
    while (r.readBatchInPlace(batch) > 0) for (let i = 0; i < batch.count; i++) out.keep(batch, i);
    out.flush();
    r.close();
    w.commit();
  };
  return [
    {
      group: 'io',
      name: 'replay I/O: read and write every packet, copied (reader -> arena -> writer buffer)',
      perOp: MICRO_PACKETS,
      note: 'the copying path: pcapng output, IP-in-IP delivery, or a big-endian input take it',
      fn: copied,
    },
    {
      group: 'io',
      name: 'replay I/O: read and write every packet, in place (pcap in, pcap out)',
      perOp: MICRO_PACKETS,
      peer: 'replay I/O: read and write every packet, copied (reader -> arena -> writer buffer)',
      fn: inPlace,
    },
  ];
}
