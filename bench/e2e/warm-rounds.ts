/**
 * Per-packet cost once the JIT has settled, for the decoder comparison (parse.ts, decoders.ts):
 * the same warm-up and the same measurement for every side.
 *
 * A fixed warm-up of 20 rounds of 16,384 packets was not enough: V8 first runs an
 * intermediate optimised version of the loop and replaces it tens of rounds later. Measured
 * round by round on this machine, gwplane's header checks ran at 47 ns/packet for rounds 15 to
 * 25 and at 11 ns from round 40 on. The npm decoders settle sooner: measured after 20 warm-up
 * rounds, cap was within 1% of its median over 300 rounds and pcap 7% above it. So: warm up
 * every side for at least WARM_MS and WARM_ROUNDS, then take the median of the measured
 * rounds.
 */

/** Warm-up floor in time: far beyond the ~40 rounds (under 0.1 s) gwplane's loop needed to settle. */
export const WARM_MS = 2000;
/** Warm-up floor in rounds. */
export const WARM_ROUNDS = 60;

/** Median ns per packet over `rounds` calls of `round` (each handles `packets`), after the warm-up. */
export function warmNsPerPacket(round: () => void, packets: number, rounds: number): number {
  const start = process.hrtime.bigint();
  for (let r = 0; r < WARM_ROUNDS || Number(process.hrtime.bigint() - start) < WARM_MS * 1e6; r++) round();
  const xs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint();
    round();
    xs.push(Number(process.hrtime.bigint() - t) / packets);
  }
  xs.sort((a, b) => a - b);
  return xs[xs.length >> 1]!;
}
