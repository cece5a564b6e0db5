/**
 * The real captures of /work/shared/corpus (tcpdump, Zeek, PcapPlusPlus test suites): each
 * opens and reads without throwing, and per frame the captured and original lengths equal
 * tshark's (oracle columns 2 frame.cap_len and 27 frame.len).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/io/capture-reader.js';
import { readAll } from './capture-builders.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = path.resolve(repoRoot, '../shared');
const pcapDir = path.join(shared, 'corpus/pcap');
const oracleDir = path.join(shared, 'corpus/oracle');
const files = fs.existsSync(pcapDir)
  ? fs.readdirSync(pcapDir).filter((f) => /\.pcap(ng)?$/.test(f)).sort()
  : [];

function oracleRows(base: string): string[][] | undefined {
  const f = path.join(oracleDir, `${base}.oracle.tsv`);
  if (!fs.existsSync(f)) return undefined;
  const lines = fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.length > 0);
  return lines.slice(1).map((l) => l.split('\t'));
}

describe.skipIf(files.length === 0)('shared corpus', () => {
  it('holds the 83 captures', () => {
    expect(files.length).toBe(83);
  });

  it.each(files)('%s reads like tshark', (name) => {
    const file = path.join(pcapDir, name);
    const { packets, reader } = readAll(file);
    expect(reader.truncatedRecords).toBe(0);
    expect(reader.bytesConsumed).toBe(fs.statSync(file).size);
    expect(reader.linkTypes()).toEqual([1]);
    const rows = oracleRows(name.replace(/\.pcap(ng)?$/, ''));
    if (rows) {
      expect(packets.length).toBe(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        expect(Number(row[0]), 'frame.number').toBe(i + 1);
        expect(packets[i]!.len, `frame ${i + 1} cap_len`).toBe(Number(row[1]));
        expect(packets[i]!.wireLen, `frame ${i + 1} frame.len`).toBe(Number(row[26]));
      }
    }
    // The same file read in tiny chunks through a tiny batch gives the same packets.
    const small = readAll(file, { chunkBytes: 61, capacity: 3 });
    expect(small.packets).toEqual(packets);
  });

  // Timestamps are not in the oracle: ask tshark, when installed, for a sample of files
  // (all pcapng files, big- and little-endian pcap).
  const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
  const sample = files.filter((f) => f.endsWith('.pcapng') || /GrePackets|ipv4-malformed|pptp|q-in-q|vxlan\.pcap|esp_truncated/.test(f));
  it.skipIf(!hasTshark).each(sample)('%s timestamps equal tshark frame.time_epoch', (name) => {
    const file = path.join(pcapDir, name);
    const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.time_epoch'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const want = r.stdout.trim().split('\n');
    const got = readAll(file).packets.map((p) => `${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}`);
    expect(got).toEqual(want);
  });

  it('has an oracle for every capture', () => {
    const missing = files.filter((f) => !fs.existsSync(path.join(oracleDir, f.replace(/\.pcap(ng)?$/, '') + '.oracle.tsv')));
    expect(missing).toEqual([]);
  });

  it('recognises pcapng by its magic, whatever the extension', () => {
    const r = CaptureReader.open(path.join(pcapDir, 'pcpp_GrePackets.pcap'));
    expect(r.format).toBe('pcapng');
    r.close();
  });
});
