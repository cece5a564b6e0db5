/**
 * Conformance: `gwplane dissect` against the tshark oracle of every capture in
 * ../shared/corpus (columns 1 to 43 of its README), frame by frame, cell by cell.
 *
 * Differences are allowed only through ALLOWED below: a short list per file and column,
 * each with the reason (a protocol out of gwplane's scope, or tshark's own choice where a
 * header is damaged). Every other cell must be equal. The agreement rate is printed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PacketBatch } from '../../src/batch/packet-batch.js';
import { DISSECT_COLUMNS, dissectRow } from '../../src/cli/dissect-row.js';
import { CaptureReader } from '../../src/io/capture-reader.js';
import { dissectBatch } from '../../src/nodes/dissect.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = path.resolve(root, '../shared/corpus');

const INNER = ['inner.ip.src', 'inner.ip.dst', 'inner.ip.proto', 'inner.srcport', 'inner.dstport'];

/** file -> { columns, frames (all when absent), why } */
const ALLOWED: Record<string, Array<{ columns: string[]; frames?: number[]; why: string }>> = {
  'zeek_tunnels_gre-over-udp-4754.pcap': [{ columns: ['gre.proto', 'gre.flags_and_version', 'gre.key', ...INNER], why: 'GRE-in-UDP (RFC 8086, port 4754) is not parsed: out of scope' }],
  'tcpdump_nsh-over-vxlan-gpe.pcap': [{ columns: ['vxlan.vni', ...INNER], why: 'VXLAN-GPE/NSH on UDP 4790 is not parsed: only VXLAN on 4789 is in scope' }],
  'zeek_tunnels_geneve-vxlan-dns-truncated.pcap': [{ columns: ['vxlan.vni', ...INNER], why: 'Geneve (UDP 6081) is not parsed, so the VXLAN inside it is not reached' }],
  'tcpdump_erspan-type-i-1.pcap': [{ columns: INNER, why: 'ERSPAN (GRE 0x88be) payload is not parsed: out of scope' }],
  'tcpdump_erspan-type-ii-1.pcap': [{ columns: INNER, why: 'ERSPAN type II (GRE 0x88be) payload is not parsed' }],
  'tcpdump_erspan-type-iii-ft-0.pcap': [{ columns: INNER, why: 'ERSPAN type III (GRE 0x22eb) payload is not parsed' }],
  'zeek_erspanII.pcap': [{ columns: INNER, why: 'ERSPAN type II payload is not parsed' }],
  'tcpdump_various_gre.pcap': [{ columns: INNER, why: 'GRE 0x8909 (Cisco metadata) payload is not parsed; only IPv4 (0x0800) and TEB (0x6558) are' }],
  'pcpp_GrePackets.pcap': [{ columns: ['gre.proto', 'gre.flags_and_version', 'gre.seq', 'gre.key', ...INNER], frames: [6], why: 'outer IPv6 (IPv4 inside IPv6) is out of scope' }],
  'pcpp_ipsec.pcapng': [{ columns: ['esp.spi', 'esp.sequence', ...INNER], why: 'AH (IP proto 51) and IPv6 are out of scope: ESP behind AH or over IPv6, and IPv4 tunnelled in AH, are not reached' }],
  'pcpp_ipv4-options.pcap': [{ columns: ['ip.dst'], frames: [6, 7], why: 'tshark shows the final destination of a source-route option as ip.dst; gwplane shows the header field' }],
  'zeek_trunc_ipv4-internally-truncated-header.pcap': [{ columns: ['ip.dst'], why: 'IHL 15 with 20 bytes captured: tshark gives up after ip.src; the field is captured and gwplane shows it' }],
  'tcpdump_isakmp-pointer-loop.pcap': [{ columns: ['isakmp.ispi', 'isakmp.rspi', 'isakmp.version', 'isakmp.exchangetype'], why: "tshark's ISAKMP heuristic rejects this UDP 500 payload; gwplane reads the 28-byte header on port 500" }],
  'tcpdump_isakmp-delete-segfault.pcap': [{ columns: ['isakmp.exchangetype'], why: 'tshark stops inside the damaged IKE header before the exchange type; the byte is captured' }],
};

function allowed(file: string, frame: number, column: string): boolean {
  return (ALLOWED[file] ?? []).some((a) => a.columns.includes(column) && (a.frames === undefined || a.frames.includes(frame)));
}

const files = fs.existsSync(corpus) ? fs.readdirSync(path.join(corpus, 'pcap')).filter((f) => /\.pcap(ng)?$/.test(f)).sort() : [];

describe.skipIf(files.length === 0)('dissect agrees with the tshark oracle', () => {
  let cells = 0;
  let equal = 0;
  let allowedCells = 0;

  for (const file of files) {
    it(file, () => {
      const oracleText = fs.readFileSync(path.join(corpus, 'oracle', file.replace(/\.pcap(ng)?$/, '.oracle.tsv')), 'utf8');
      const lines = oracleText.trimEnd().split('\n');
      expect(lines[0]!.split('\t').slice(0, DISSECT_COLUMNS.length)).toEqual(DISSECT_COLUMNS);
      const oracle = lines.slice(1).map((l) => l.split('\t'));
      const reader = CaptureReader.open(path.join(corpus, 'pcap', file));
      const batch = new PacketBatch();
      const wrong: string[] = [];
      let frame = 0;
      for (;;) {
        const n = reader.readBatch(batch);
        if (n === 0) break;
        dissectBatch(batch);
        for (let i = 0; i < n; i++) {
          frame++;
          const row = dissectRow(batch, i, frame);
          const want = oracle[frame - 1];
          expect(want, `frame ${frame} missing from the oracle`).toBeDefined();
          for (let c = 0; c < DISSECT_COLUMNS.length; c++) {
            cells++;
            if (row[c] === want![c]) equal++;
            else if (allowed(file, frame, DISSECT_COLUMNS[c]!)) allowedCells++;
            else wrong.push(`frame ${frame} ${DISSECT_COLUMNS[c]}: gwplane '${row[c]}', tshark '${want![c]}'`);
          }
        }
      }
      reader.close();
      expect(frame).toBe(oracle.length);
      expect(wrong).toEqual([]);
    });
  }

  it('prints the agreement rate', () => {
    const rate = (100 * equal) / cells;
    console.log(`conformance: ${files.length} captures, ${cells} cells, ${equal} equal (${rate.toFixed(3)}%), ${allowedCells} allowed differences, 0 others`);
    expect(cells).toBeGreaterThan(40000);
  });
});
