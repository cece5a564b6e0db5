/**
 * `--io vxlan`: the native-free I/O. The outside and the gateways are kernel VXLAN devices
 * (RFC 7348); whole Ethernet frames arrive as UDP payloads on one node:dgram socket and
 * leave the same way, so MAC rewrite, 802.1Q tags and gratuitous ARP are real on the wire.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |R|R|R|R|I|R|R|R|            Reserved                           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                VXLAN Network Identifier (VNI) |   Reserved    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Receive: check the I flag and the VNI, copy the frame after the 8-byte header into the
 * batch (Forwarder.ingest). The outside VTEP (where replies go) is `--outside`, or learned
 * from the first frame that does not come from a gateway's VTEP; the outside router's MAC is
 * learned from that frame's source MAC.
 * Send: the 8-byte header is written into the headroom just before the frame (every frame
 * has 64 bytes of it), and the frame goes to the VTEP of the gateway it was delivered to (a
 * tunnel's frames to the tunnel's current gateway), replies to the outside VTEP with our MAC
 * as source and the outside router's as destination.
 *
 * Addresses are IP literals: the socket's `lookup` answers synchronously, so `send` does not
 * defer each datagram to a DNS callback.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { LINK_ETHERNET } from '../batch/packet-batch.js';
import { CliError, EXIT_ADDRESS, EXIT_PERMISSION } from '../cli/exit-codes.js';
import type { DataplaneTables } from '../nodes/dataplane-tables.js';
import { NEXT_DROP, NEXT_GATEWAY, NEXT_TUNNEL } from '../nodes/gateway-forward.js';
import { macParse } from '../wire/ethernet.js';
import { IO_RX_BAD_ENCAP, IO_RX_FRAMES, IO_RX_OTHER_VNI, IO_TX_NO_OUTSIDE, type Forwarder, type ForwarderIo, type TxSlot } from './forwarder.js';

export const VXLAN_HLEN = 8;
export { DEFAULT_VNI, VXLAN_PORT } from './defaults.js';

export interface Endpoint {
  host: string;
  port: number;
}

export interface VxlanIoOptions {
  listen: Endpoint;
  vni: number;
  /** The outside VTEP; null: learn it (its port is then `outsidePort`). */
  outside: Endpoint | null;
  outsidePort: number;
  /** Per gateway index. */
  vteps: readonly Endpoint[];
  /** Our MAC: the source of frames we send to the outside. */
  mac: string;
  /** Called once when the outside VTEP or router MAC is learned. */
  onLearn?: (what: string) => void;
  recvBufferBytes?: number;
}

const syncLookup = (host: string, _o: unknown, cb: (err: Error | null, address: string, family: number) => void): void => cb(null, host, 4);

/** Map a bind error to the CLI's exit codes. */
export function bindError(e: NodeJS.ErrnoException, what: string): Error {
  if (e.code === 'EADDRINUSE') return new CliError(`${what}: address in use (another forwarder, or a kernel VXLAN device on this port?)`, EXIT_ADDRESS);
  if (e.code === 'EADDRNOTAVAIL') return new CliError(`${what}: not an address of this host`, EXIT_ADDRESS);
  if (e.code === 'EACCES') return new CliError(`${what}: permission denied (ports below 1024 need CAP_NET_BIND_SERVICE; pick a port >= 1024)`, EXIT_PERMISSION);
  return e;
}

export class VxlanIo implements ForwarderIo {
  readonly kind = 'vxlan' as const;
  readonly sock: Socket;
  outsideHost: string | null;
  outsidePort: number;
  private outsideMacKnown = false;
  private outMacHi = 0;
  private outMacLo = 0;
  private readonly myMacHi: number;
  private readonly myMacLo: number;
  private readonly vni: number;
  private readonly vtepHost: string[];
  private readonly vtepPort: Int32Array;
  private readonly gwHosts: Set<string>;
  private readonly hdr0 = 0x08000000;
  private readonly hdr1: number;

  private constructor(
    private readonly fwd: Forwarder,
    sock: Socket,
    private readonly o: VxlanIoOptions,
  ) {
    this.sock = sock;
    this.vni = o.vni;
    this.hdr1 = (o.vni << 8) >>> 0;
    this.outsideHost = o.outside?.host ?? null;
    this.outsidePort = o.outside?.port ?? o.outsidePort;
    const m = macParse(o.mac)!;
    this.myMacHi = m[0];
    this.myMacLo = m[1];
    this.vtepHost = o.vteps.map((v) => v.host);
    this.vtepPort = Int32Array.from(o.vteps.map((v) => v.port));
    this.gwHosts = new Set(this.vtepHost);
    sock.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
  }

  /** Bind the socket and start receiving into `fwd`. Bind errors become CliErrors (exit 3/5). */
  static async open(fwd: Forwarder, o: VxlanIoOptions): Promise<VxlanIo> {
    const sock = createSocket({ type: 'udp4', lookup: syncLookup as never });
    await new Promise<void>((resolve, reject) => {
      sock.once('error', (e) => reject(bindError(e as NodeJS.ErrnoException, `--vxlan-listen ${o.listen.host}:${o.listen.port}`)));
      sock.bind(o.listen.port, o.listen.host, () => resolve());
    });
    sock.removeAllListeners('error');
    const bytes = o.recvBufferBytes ?? 8 << 20;
    try {
      sock.setRecvBufferSize(bytes);
      sock.setSendBufferSize(bytes);
    } catch {
      // capped by net.core.rmem_max/wmem_max: keep the default
    }
    const io = new VxlanIo(fwd, sock, o);
    fwd.attach(io);
    return io;
  }

  private onMessage(m: Buffer, r: RemoteInfo): void {
    if (m.length < VXLAN_HLEN + 14 || (m[0]! & 0x08) === 0) {
      this.fwd.io[IO_RX_FRAMES]++;
      this.fwd.io[IO_RX_BAD_ENCAP]++;
      return;
    }
    if (((m[4]! << 16) | (m[5]! << 8) | m[6]!) !== this.vni) {
      this.fwd.io[IO_RX_FRAMES]++;
      this.fwd.io[IO_RX_OTHER_VNI]++;
      return;
    }
    if (!this.outsideMacKnown && !this.gwHosts.has(r.address)) this.learn(m, r);
    this.fwd.ingest(m, VXLAN_HLEN, m.length - VXLAN_HLEN);
  }

  private learn(m: Buffer, r: RemoteInfo): void {
    if (this.outsideHost === null) {
      this.outsideHost = r.address;
      this.o.onLearn?.(`outside VTEP ${r.address}:${this.outsidePort}`);
    } else if (this.outsideHost !== r.address) return;
    const s = VXLAN_HLEN + 6;
    this.outMacHi = ((m[s]! << 24) | (m[s + 1]! << 16) | (m[s + 2]! << 8) | m[s + 3]!) | 0;
    this.outMacLo = (m[s + 4]! << 8) | m[s + 5]!;
    this.outsideMacKnown = true;
    this.o.onLearn?.(`outside router MAC ${[...m.subarray(s, s + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':')}`);
  }

  transmit(slot: TxSlot, T: DataplaneTables): void {
    const b = slot.b;
    const v = b.dv;
    const n = b.count;
    for (let i = 0; i < n; i++) {
      const nx = b.next[i]!;
      if (nx === NEXT_DROP) continue;
      let host: string | null;
      let port: number;
      if (nx === NEXT_GATEWAY || nx === NEXT_TUNNEL) {
        const g = nx === NEXT_GATEWAY ? b.target[i]! : T.tunGw[b.target[i]!]!;
        host = this.vtepHost[g]!;
        port = this.vtepPort[g]!;
      } else {
        // NEXT_REPLY: to the outside, from our MAC to the outside router's
        host = this.outsideHost;
        port = this.outsidePort;
        if (host === null) {
          this.fwd.io[IO_TX_NO_OUTSIDE]++;
          continue;
        }
        if (b.link[i] === LINK_ETHERNET) {
          const e = b.base[i]!;
          if (this.outsideMacKnown) {
            v.setInt32(e, this.outMacHi);
            v.setUint16(e + 4, this.outMacLo);
          }
          v.setInt32(e + 6, this.myMacHi);
          v.setUint16(e + 10, this.myMacLo);
        }
      }
      const o = b.base[i]! - VXLAN_HLEN;
      v.setUint32(o, this.hdr0);
      v.setUint32(o + 4, this.hdr1);
      slot.pending++;
      this.sock.send(b.arena, o, b.len[i]! + VXLAN_HLEN, port, host, slot.done);
    }
  }

  sendFrame(frame: Buffer, gateways: readonly number[]): void {
    const d = Buffer.alloc(VXLAN_HLEN + frame.length);
    d.writeUInt32BE(this.hdr0, 0);
    d.writeUInt32BE(this.hdr1, 4);
    frame.copy(d, VXLAN_HLEN);
    for (const g of gateways) this.sock.send(d, this.vtepPort[g]!, this.vtepHost[g]!);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.sock.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}
