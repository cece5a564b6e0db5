/**
 * The data path per batch over the trace mix (fixtures/gen-trace.ts, 16,384 packets in 64
 * batches of 256, the tables of bench/configs/trace.yaml): the dissector alone (the parse
 * target), SLB NAT alone, and the full pipeline dissect + forward in place (the pipeline
 * target).
 *
 * forwardBatch rewrites packets in place (NAT, tunnel encapsulation moving `base`), so each
 * batch is restored from its pristine copy (copyBatch: bytes and source columns) into the
 * work batch before it is processed. That restore is timed as its own case and subtracted
 * round by round from the cases that include it ("restore subtracted"); the raw figures are
 * printed too. As in the replay and the forwarder, one work batch is reused for every batch
 * (its columns stay in cache, the packets stream through): 64 work batches, one per pristine
 * batch, kept 2.6 MB of columns out of cache and cost the full pipeline 20% more. The flow
 * table persists across passes: after the first pass every NVGRE flow hits (the 1M trace has
 * 10 packets per flow, so 90% hits there).
 */
import { PacketBatch } from '../../src/batch/packet-batch.js';
import { dissectBatch, dissectBatchWalk } from '../../src/nodes/dissect.js';
import { forwardBatch } from '../../src/nodes/gateway-forward.js';
import { forwardBatchPerNode } from './forward-per-node.js';
import type { BenchCase } from '../harness.js';
import { copyBatch } from '../load-capture.js';
import { benchContext, microBatches, NAT_CONFIG } from '../trace-data.js';

/** Copy what the dissector wrote too (to restore a dissected batch without dissecting it again). */
function copyDissected(src: PacketBatch, dst: PacketBatch): void {
  copyBatch(src, dst);
  dst.l3.set(src.l3);
  dst.l4.set(src.l4);
  dst.tun.set(src.tun);
  dst.il3.set(src.il3);
  dst.il4.set(src.il4);
  dst.ipEnd.set(src.ipEnd);
  dst.encap.set(src.encap);
  dst.flags.set(src.flags);
  dst.vlanCount.set(src.vlanCount);
  dst.vlan0.set(src.vlan0);
  dst.src.set(src.src);
  dst.dst.set(src.dst);
  dst.proto.set(src.proto);
  dst.ports.set(src.ports);
  dst.isrc.set(src.isrc);
  dst.idst.set(src.idst);
  dst.iproto.set(src.iproto);
  dst.iports.set(src.iports);
  dst.greKey.set(src.greKey);
  dst.drop.set(src.drop);
  dst.depth.set(src.depth);
  dst.tpid0.set(src.tpid0);
  dst.vlan1.set(src.vlan1);
  dst.greProto.set(src.greProto);
  dst.spi.set(src.spi);
  dst.espSeq.set(src.espSeq);
  dst.vni.set(src.vni);
}

/** The work batch the pristine batches are restored into, one after the other. */
function workBatch(src: PacketBatch[]): PacketBatch {
  return new PacketBatch(src[0]!.capacity, Math.max(...src.map((b) => b.arena.length)));
}

export function pipelineCases(): BenchCase[] {
  const { batches: pristine, packets } = microBatches();
  const work = workBatch(pristine);
  const { ctx } = benchContext();
  const workPerNode = workBatch(pristine);
  const perNodeCtx = benchContext().ctx;
  const noCsum = { verifyIp4Checksum: false };

  // forward alone over the trace mix: dissected once, bytes and columns restored per pass
  const dissected = pristine.map((b) => {
    const d = new PacketBatch(b.capacity, b.arena.length);
    copyBatch(b, d);
    dissectBatch(d);
    return d;
  });
  const fwdWork = workBatch(pristine);
  const fwdCtx = benchContext().ctx;

  // SLB NAT alone: the NAT job (every packet to the VIP from the one public IP), dissected once
  const nat = microBatches({ mode: 'nat' });
  for (const b of nat.batches) dissectBatch(b);
  const natWork = workBatch(nat.batches);
  const natCtx = benchContext(NAT_CONFIG).ctx;

  const P = 'pipeline';
  return [
    {
      group: P,
      name: 'dissect: trace mix, all checksums verified',
      perOp: packets,
      targetNs: 45,
      note: 'parse target: every header of every encapsulation, outer and inner IPv4 header checksums verified',
      fn: () => {
        for (let k = 0; k < pristine.length; k++) dissectBatch(pristine[k]!);
      },
    },
    {
      group: P,
      name: 'dissect: the general walk alone (no fast path), trace mix',
      perOp: packets,
      peer: 'dissect: trace mix, all checksums verified',
      note: 'the alternative kept beside the choice: every frame through dissectWalk, the reference the fast path is tested against',
      fn: () => {
        for (let k = 0; k < pristine.length; k++) dissectBatchWalk(pristine[k]!);
      },
    },
    {
      group: P,
      name: 'dissect: trace mix, IPv4 checksums not verified',
      perOp: packets,
      peer: 'dissect: trace mix, all checksums verified',
      fn: () => {
        for (let k = 0; k < pristine.length; k++) dissectBatch(pristine[k]!, noCsum);
      },
    },
    {
      group: P,
      name: 'restore: copyBatch from the pristine batches',
      perOp: packets,
      fn: () => {
        for (let k = 0; k < pristine.length; k++) copyBatch(pristine[k]!, work);
      },
    },
    {
      group: P,
      name: 'full pipeline: dissect + forward, restore subtracted',
      perOp: packets,
      targetNs: 110,
      minus: 'restore: copyBatch from the pristine batches',
      note: 'pipeline target (aim 90 ns): one thread, in place, the trace mix through the trace.yaml tables',
      fn: () => {
        for (let k = 0; k < pristine.length; k++) {
          const b = work;
          copyBatch(pristine[k]!, b);
          dissectBatch(b);
          forwardBatch(b, 0, b.count, ctx, null);
        }
      },
    },
    {
      group: P,
      name: 'full pipeline, forward as a classifier + a loop per next node (alternative)',
      perOp: packets,
      minus: 'restore: copyBatch from the pristine batches',
      peer: 'full pipeline: dissect + forward, restore subtracted',
      note: 'VPP\'s frame per next node (bench/nodes/forward-per-node.ts), kept beside the single loop of gateway-forward.ts',
      fn: () => {
        for (let k = 0; k < pristine.length; k++) {
          const b = workPerNode;
          copyBatch(pristine[k]!, b);
          dissectBatch(b);
          forwardBatchPerNode(b, 0, b.count, perNodeCtx, null);
        }
      },
    },
    {
      group: P,
      name: 'restore: bytes and dissected columns (trace mix)',
      perOp: packets,
      fn: () => {
        for (let k = 0; k < dissected.length; k++) copyDissected(dissected[k]!, fwdWork);
      },
    },
    {
      group: P,
      name: 'forward only: trace mix, restore subtracted',
      perOp: packets,
      minus: 'restore: bytes and dissected columns (trace mix)',
      note: 'the forwarding half of the pipeline: SLB NAT, reverse NAT, GRE VIP, L3, NVGRE -> flow table / Maglev -> GRE re-encapsulation',
      fn: () => {
        for (let k = 0; k < dissected.length; k++) {
          const b = fwdWork;
          copyDissected(dissected[k]!, b);
          forwardBatch(b, 0, b.count, fwdCtx, null);
        }
      },
    },
    {
      group: P,
      name: 'restore: bytes and dissected columns (NAT job)',
      perOp: nat.packets,
      fn: () => {
        for (let k = 0; k < nat.batches.length; k++) copyDissected(nat.batches[k]!, natWork);
      },
    },
    {
      group: P,
      name: 'SLB NAT: forward only (NAT job), restore subtracted',
      perOp: nat.packets,
      minus: 'restore: bytes and dissected columns (NAT job)',
      note: 'SLB NAT: rule lookup, destination rewrite, RFC 1624 IPv4 and UDP checksum updates, MAC rewrite',
      fn: () => {
        for (let k = 0; k < nat.batches.length; k++) {
          const b = natWork;
          copyDissected(nat.batches[k]!, b);
          forwardBatch(b, 0, b.count, natCtx, null);
        }
      },
    },
  ];
}
