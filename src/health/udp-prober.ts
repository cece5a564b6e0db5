/**
 * Health probes over UDP (node:dgram, no privileges): a 16-byte datagram to each gateway's
 * DIP on the responder port, echoed by `gwplane responder`.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |            magic "GWPLPRB1" (8 bytes)                         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        probe sequence                         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        gateway index                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * A reply counts only when it comes from the probed DIP and port and carries the magic,
 * the gateway index and the sequence sent.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Prober } from './live-health.js';

export const PROBE_MAGIC = Buffer.from('GWPLPRB1', 'latin1');
export const PROBE_LEN = 16;
export { DEFAULT_PROBE_PORT } from '../forward/defaults.js';

export class UdpProber implements Prober {
  private readonly sock: Socket;
  private readonly out = Buffer.alloc(PROBE_LEN);
  private closed = false;
  sendErrors = 0;

  private constructor(
    sock: Socket,
    private readonly hosts: readonly string[],
    private readonly ports: readonly number[],
    private readonly answer: (g: number, seq: number) => void,
  ) {
    this.sock = sock;
    PROBE_MAGIC.copy(this.out, 0);
    sock.on('message', (m, r) => this.onMessage(m, r));
  }

  /**
   * Open the probe socket (an ephemeral port, optionally on `bindHost`); gateway g is probed
   * at `targets[g]` (its DIP and the responder port).
   */
  static async open(targets: ReadonlyArray<{ host: string; port: number }>, answer: (g: number, seq: number) => void, bindHost?: string): Promise<UdpProber> {
    const sock = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ port: 0, ...(bindHost ? { address: bindHost } : {}) }, () => {
        sock.off('error', reject);
        resolve();
      });
    });
    const p = new UdpProber(sock, targets.map((t) => t.host), targets.map((t) => t.port), answer);
    sock.on('error', () => {
      p.sendErrors++;
    });
    return p;
  }

  send(g: number, seq: number): void {
    if (this.closed) return;
    // one small buffer per probe: sends are asynchronous and probes are few
    const b = Buffer.from(this.out);
    b.writeUInt32BE(seq >>> 0, 8);
    b.writeUInt32BE(g, 12);
    this.sock.send(b, 0, PROBE_LEN, this.ports[g]!, this.hosts[g]!, (e) => {
      if (e) this.sendErrors++;
    });
  }

  private onMessage(m: Buffer, r: RemoteInfo): void {
    if (m.length < PROBE_LEN || m.compare(PROBE_MAGIC, 0, 8, 0, 8) !== 0) return;
    const g = m.readUInt32BE(12);
    if (g >= this.hosts.length || this.hosts[g] !== r.address || this.ports[g] !== r.port) return;
    this.answer(g, m.readUInt32BE(8) | 0);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.close();
  }
}
