/**
 * Health probes as ICMP echo requests on a raw socket (raw mode: the kernel of each gateway
 * answers; no process needed there). Identifier = this process's pid (16 bits), sequence =
 * the probe round (16 bits), payload "GWPL" + gateway index + full sequence, so a reply is
 * matched to its gateway and round even when the 16-bit sequence wraps.
 *
 * The socket is raw-socket's (the caller opens it: its errors map to exit codes 3 and 4).
 * It receives every ICMP message of the host, IPv4 header included; only echo replies with
 * our identifier and payload, from the probed DIP, count.
 */
import type { Prober } from './live-health.js';

export interface IcmpSocket {
  on(ev: 'message', fn: (b: Buffer, source: string) => void): unknown;
  on(ev: 'error', fn: (e: Error) => void): unknown;
  send(buf: Buffer, off: number, len: number, addr: string, after: (e: Error | null, bytes: number) => void): unknown;
  close(): unknown;
}

const MAGIC = 0x4757504c; // "GWPL"
const LEN = 8 + 12;

function checksum(b: Buffer): number {
  let s = 0;
  for (let k = 0; k + 1 < b.length; k += 2) s += (b[k]! << 8) | b[k + 1]!;
  if (b.length & 1) s += b[b.length - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

export class IcmpProber implements Prober {
  private readonly ident = process.pid & 0xffff;
  private closed = false;
  sendErrors = 0;

  constructor(
    private readonly sock: IcmpSocket,
    private readonly dips: readonly string[],
    private readonly answer: (g: number, seq: number) => void,
  ) {
    sock.on('message', (b, source) => this.onMessage(b, source));
    sock.on('error', () => {
      this.sendErrors++;
    });
  }

  send(g: number, seq: number): void {
    if (this.closed) return;
    const b = Buffer.alloc(LEN);
    b[0] = 8; // echo request
    b.writeUInt16BE(this.ident, 4);
    b.writeUInt16BE(seq & 0xffff, 6);
    b.writeUInt32BE(MAGIC, 8);
    b.writeUInt32BE(g, 12);
    b.writeUInt32BE(seq >>> 0, 16);
    b.writeUInt16BE(checksum(b), 2);
    this.sock.send(b, 0, LEN, this.dips[g]!, (e) => {
      if (e) this.sendErrors++;
    });
  }

  private onMessage(b: Buffer, source: string): void {
    if (b.length < 20) return;
    const ihl = (b[0]! & 15) * 4;
    const o = ihl;
    if (b.length < o + LEN || b[o] !== 0 || b.readUInt16BE(o + 4) !== this.ident || b.readUInt32BE(o + 8) !== MAGIC) return;
    const g = b.readUInt32BE(o + 12);
    if (g >= this.dips.length || this.dips[g] !== source) return;
    this.answer(g, b.readUInt32BE(o + 16) | 0);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.close();
  }
}
