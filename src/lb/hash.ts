/**
 * Flow hashes over int32 inputs: (src, dst, ports = sport << 16 | dport, proto).
 *
 * `flowHash` is a keyed PRF, HalfSipHash-1-3 (Aumasson & Bernstein; the 32-bit member
 * of the SipHash family from the reference implementation github.com/veorq/SipHash),
 * over the fixed 16-byte message made of the four words in little-endian order.
 *
 * Why HalfSipHash and not murmur3/xxhash32: the flow table is bucketed and evicts the
 * stalest entry of a full bucket, and its bucket index comes from this hash. Packet
 * 5-tuples are attacker-chosen, so an unkeyed (or weakly seeded) hash lets a sender
 * aim flows at a victim's bucket and evict it (hash flooding; murmur3 has
 * seed-independent multicollisions). A keyed PRF with a random per-process key closes
 * that, as Linux does with siphash for its flow dissector. HalfSipHash is pure ARX
 * (32-bit add, rotate, xor): no Math.imul, no 64-bit emulation, four int32 locals.
 * The 1-3 round variant (1 compression round per word, 3 finalisation rounds) is the
 * one Linux uses for `hsiphash`; 8 rounds in all for a 16-byte message.
 *
 * Keying: the reference HalfSipHash takes a 64-bit key (k0, k1) and starts from
 *   v0 = k0, v1 = k1, v2 = k0 ^ 0x6c796765, v3 = k1 ^ 0x74656462.
 * We take a 128-bit key (k0..k3) and start from v2 = k2 ^ ..., v3 = k3 ^ ...; with
 * k2 = k0 and k3 = k1 this is exactly the reference HalfSipHash-1-3 (tested against
 * `halfSipHashRef`, which is itself checked on the reference's published vectors).
 * The extra 64 bits cost nothing; no security claim beyond HalfSipHash's is made.
 *
 * Everything called per packet allocates nothing and works on int32 values.
 */

export { toeplitzPrepare, toeplitzHash, toeplitzHashRef, RSS_KEY_MICROSOFT, RSS_KEY_SYMMETRIC, rssInputIPv4 } from './toeplitz.js';

/** HalfSipHash initialisation constants ("lyge", "tedb"), and the 32-bit-tag finaliser. */
const C2 = 0x6c796765;
const C3 = 0x74656462;
/** Final block for a 16-byte message: the length in the top byte, no tail bytes. */
const B16 = 16 << 24;

/**
 * Keyed 32-bit hash of one flow (HalfSipHash-1-3, 128-bit key; see above).
 * `key` holds 4 words k0..k3 (`makeHashKey`). Returns an int32.
 */
export function flowHash(key: Int32Array | Uint32Array, src: number, dst: number, ports: number, proto: number): number {
  let v0 = key[0] | 0;
  let v1 = key[1] | 0;
  let v2 = (key[2] ^ C2) | 0;
  let v3 = (key[3] ^ C3) | 0;
  // 5 compression steps (the 4 message words, then the length block), each one SIPROUND
  // (32-bit: rotations 5, 16, 8, 7, 13, 16), then 3 finalisation rounds. Written out: the
  // same rounds in a loop that picks each step's word took 28 ns here, unrolled 20 ns.
  // word 0 (src)
  v3 ^= src | 0;
  v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
  v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
  v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
  v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
  v0 ^= src | 0;
  // word 1 (dst)
  v3 ^= dst | 0;
  v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
  v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
  v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
  v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
  v0 ^= dst | 0;
  // word 2 (ports)
  v3 ^= ports | 0;
  v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
  v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
  v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
  v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
  v0 ^= ports | 0;
  // word 3 (proto)
  v3 ^= proto | 0;
  v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
  v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
  v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
  v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
  v0 ^= proto | 0;
  // the length block
  v3 ^= B16;
  v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
  v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
  v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
  v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
  v0 ^= B16;
  // finalisation: the 32-bit tag, three rounds
  v2 ^= 0xff;
  v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
  v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
  v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
  v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
  v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
  v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
  v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
  v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
  v0 = (v0 + v1) | 0; v1 = (v1 << 5) | (v1 >>> 27); v1 ^= v0; v0 = (v0 << 16) | (v0 >>> 16);
  v2 = (v2 + v3) | 0; v3 = (v3 << 8) | (v3 >>> 24); v3 ^= v2;
  v0 = (v0 + v3) | 0; v3 = (v3 << 7) | (v3 >>> 25); v3 ^= v0;
  v2 = (v2 + v1) | 0; v1 = (v1 << 13) | (v1 >>> 19); v1 ^= v2; v2 = (v2 << 16) | (v2 >>> 16);
  return v1 ^ v3;
}

/**
 * Like `flowHash`, but both directions of a flow hash alike: the endpoints are put in
 * a canonical order first. (src, sport) and (dst, dport) are swapped as pairs when
 * src > dst, or when src == dst and sport > dport, so A:p -> B:q and B:q -> A:p give
 * the same words, while A:p -> B:q and A:q -> B:p stay distinct. Signed comparison is
 * a total order, which is all canonical ordering needs.
 */
export function flowHashSymmetric(key: Int32Array | Uint32Array, src: number, dst: number, ports: number, proto: number): number {
  src |= 0;
  dst |= 0;
  ports |= 0;
  if (src > dst || (src === dst && ports >>> 16 > (ports & 0xffff))) {
    const t = src;
    src = dst;
    dst = t;
    ports = (ports << 16) | (ports >>> 16);
  }
  return flowHash(key, src, dst, ports, proto);
}

/**
 * A 128-bit hash key (4 words) for `flowHash`.
 *
 * - No seed: 16 random bytes from `crypto.getRandomValues` (one key per process).
 * - A seed (reproducible runs): `String(seed)` is UTF-8 encoded and hashed with
 *   FNV-1a-32 to s; then k[i] = fmix32(s + (i + 1) * 0x9e3779b9) for i = 0..3, where
 *   fmix32 is MurmurHash3's finaliser. So `makeHashKey(7)` equals `makeHashKey('7')`.
 *   A seeded key is public knowledge: use it for tests and replays, not on the wire.
 */
export function makeHashKey(seed?: string | number): Uint32Array {
  const k = new Uint32Array(4);
  if (seed === undefined) {
    // node:crypto is loaded only here: importing it costs every process ~6 ms of startup
    // (hyperfine, issue 4), and a configured or given seed never needs it
    (process.getBuiltinModule('node:crypto') as typeof import('node:crypto')).webcrypto.getRandomValues(k);
    return k;
  }
  const s = fnv1a32(new TextEncoder().encode(String(seed)), 0x811c9dc5);
  for (let i = 0; i < 4; i++) k[i] = fmix32((s + Math.imul(i + 1, 0x9e3779b9)) | 0);
  return k;
}

/** FNV-1a, 32-bit, over bytes, from the given offset basis (0x811c9dc5 is standard). */
export function fnv1a32(bytes: Uint8Array, basis: number): number {
  let h = basis | 0;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h;
}

/** MurmurHash3's 32-bit finaliser (full avalanche, a bijection on int32). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * Slow reference HalfSipHash-c-d with a 32-bit tag over arbitrary bytes, written from
 * the reference `halfsiphash.c` (kept for differential tests, like gVisor's
 * ChecksumOld). `key` is 4 words as in `flowHash`; pass k2 = k0, k3 = k1 for the
 * standard 64-bit-key function. Allocates; never call it per packet.
 */
export function halfSipHashRef(key: ArrayLike<number>, msg: Uint8Array, cRounds: number, dRounds: number): number {
  const v = [key[0] | 0, key[1] | 0, (key[2] ^ C2) | 0, (key[3] ^ C3) | 0];
  const rotl = (x: number, b: number): number => (x << b) | (x >>> (32 - b));
  const round = (): void => {
    v[0] = (v[0] + v[1]) | 0; v[1] = rotl(v[1], 5) ^ v[0]; v[0] = rotl(v[0], 16);
    v[2] = (v[2] + v[3]) | 0; v[3] = rotl(v[3], 8) ^ v[2];
    v[0] = (v[0] + v[3]) | 0; v[3] = rotl(v[3], 7) ^ v[0];
    v[2] = (v[2] + v[1]) | 0; v[1] = rotl(v[1], 13) ^ v[2]; v[2] = rotl(v[2], 16);
  };
  const absorb = (m: number): void => {
    v[3] ^= m;
    for (let i = 0; i < cRounds; i++) round();
    v[0] ^= m;
  };
  const whole = msg.length & ~3;
  for (let i = 0; i < whole; i += 4) {
    absorb(msg[i] | (msg[i + 1] << 8) | (msg[i + 2] << 16) | (msg[i + 3] << 24));
  }
  let b = msg.length << 24;
  for (let i = whole; i < msg.length; i++) b |= msg[i] << (8 * (i - whole));
  absorb(b);
  v[2] ^= 0xff;
  for (let i = 0; i < dRounds; i++) round();
  return v[1] ^ v[3];
}
