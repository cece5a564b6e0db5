/**
 * `--io raw`: IPv4 on raw sockets (raw-socket, optional native dependency, CAP_NET_RAW).
 *
 * Receive: one SOCK_RAW socket per protocol (UDP 17, GRE 47, ESP 50, ICMP 1). The kernel
 * gives each a copy of every local packet of its protocol, IPv4 header first and without
 * Ethernet, so the forwarder's service addresses (SLB VIPs, GRE VIPs, tunnel local IPs) must
 * be local addresses of this host (the lab puts them on fwd's lo). Packets to other local
 * addresses are ignored (`rx_ignored`), except NVGRE, which compute hosts may send to any of
 * our addresses. raw-socket reads into one reused buffer: each packet is copied into the
 * batch arena (Forwarder.ingest) with link type LINK_RAW (l3 = 0).
 *
 * Send: one IPPROTO_RAW socket (IP_HDRINCL implied): the packet leaves exactly as the data
 * path wrote it, routed by the kernel toward the address given to sendto(2): the DIP of the
 * gateway it was delivered to (a tunnel's packets: the tunnel's current gateway), so the
 * gateway's MAC is the frame's destination while the IP destination stays what the data path
 * chose (the DIP after SLB NAT; the GRE VIP or the tunnel's remote device otherwise):
 * delivery by MAC rewrite, the kernel's ARP doing the rewrite. Replies (reverse NAT) go to
 * their destination; a raw socket only sees local traffic, so replies reach us only when the
 * gateways send them to a local address.
 *
 * The kernel answers nothing for GRE and ESP once a raw socket has taken them, but for UDP
 * to a VIP it would send "port unreachable": `openSinks` binds UDP 500 and 4500 on each SLB
 * VIP (node:dgram) and discards what arrives there.
 */
import { createSocket, type Socket } from 'node:dgram';
import { CliError, EXIT_ADDRESS } from '../cli/exit-codes.js';
import { IntMap } from '../lb/int-map.js';
import type { DataplaneTables } from '../nodes/dataplane-tables.js';
import { NEXT_DROP, NEXT_GATEWAY, NEXT_TUNNEL } from '../nodes/gateway-forward.js';
import { ip4FromString, ip4ToString } from '../wire/view.js';
import { IO_RX_BAD_ENCAP, IO_RX_FRAMES, IO_RX_IGNORED, IO_TX_ERRORS, type Forwarder, type ForwarderIo, type TxSlot } from './forwarder.js';
import { drainOnReadable, hasNativeWrap, openRawSocket, type RawSocket, type RawSocketModule } from './raw-socket.js';

export const RAW_PROTOCOLS = [17, 47, 50, 1] as const;
const IPPROTO_RAW = 255;
const GRE = 47;
const ETHERTYPE_TEB = 0x6558;

export interface RawIoOptions {
  mod: RawSocketModule;
  /** Bind every socket to this interface (SO_BINDTODEVICE). */
  iface?: string;
  /** Addresses we serve: SLB VIPs, GRE VIPs, tunnel local IPs. */
  serviceIps: readonly string[];
  /** Per gateway index. */
  dips: readonly string[];
  onError: (e: unknown) => void;
}

const noop = (): void => {};

export class RawIo implements ForwarderIo {
  readonly kind = 'raw' as const;
  private readonly rx: RawSocket[] = [];
  private readonly tx: RawSocket;
  private readonly svc: IntMap;
  private readonly dips: readonly string[];
  private readonly sinks: Socket[] = [];
  /** True when sends go through raw-socket's synchronous native wrap (see raw-socket.ts). */
  readonly syncSend: boolean;
  private readonly rxBuf = Buffer.alloc(65536);

  private constructor(
    private readonly fwd: Forwarder,
    private readonly o: RawIoOptions,
  ) {
    this.svc = new IntMap(o.serviceIps.map((a) => [ip4FromString(a), 0, 1] as [number, number, number]));
    this.dips = o.dips;
    // opening order: the send socket first, so a missing privilege is reported before anything binds
    this.tx = openRawSocket(o.mod, IPPROTO_RAW);
    this.syncSend = hasNativeWrap(this.tx);
    this.tx.on('error', (e) => o.onError(e));
    for (const p of RAW_PROTOCOLS) {
      const s = openRawSocket(o.mod, p);
      if (o.iface) bindToDevice(o.mod, s, o.iface);
      s.on('error', (e) => o.onError(e));
      drainOnReadable(s, this.rxBuf, 256, (b, len) => this.onPacket(b, len), (e) => o.onError(e));
      this.rx.push(s);
    }
  }

  static open(fwd: Forwarder, o: RawIoOptions): RawIo {
    const io = new RawIo(fwd, o);
    fwd.attach(io);
    return io;
  }

  /** Bind UDP 500 and 4500 on each SLB VIP so the kernel does not answer "port unreachable". */
  async openSinks(vips: readonly string[]): Promise<string[]> {
    const problems: string[] = [];
    for (const vip of vips) {
      for (const port of [500, 4500]) {
        const s = createSocket('udp4');
        try {
          await new Promise<void>((resolve, reject) => {
            s.once('error', reject);
            s.bind(port, vip, () => resolve());
          });
          s.removeAllListeners('error');
          s.on('error', noop);
          s.on('message', noop);
          this.sinks.push(s);
        } catch (e) {
          problems.push(`${vip}:${port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
          s.close();
        }
      }
    }
    return problems;
  }

  private onPacket(b: Buffer, len: number): void {
    if (len < 20 || b[0]! >>> 4 !== 4) {
      this.fwd.io[IO_RX_FRAMES]++;
      this.fwd.io[IO_RX_BAD_ENCAP]++;
      return;
    }
    const dst = (b[16]! << 24) | (b[17]! << 16) | (b[18]! << 8) | b[19]!;
    if (this.svc.get(dst, 0) < 0) {
      const ihl = (b[0]! & 15) << 2;
      if (!(b[9] === GRE && len >= ihl + 4 && ((b[ihl + 2]! << 8) | b[ihl + 3]!) === ETHERTYPE_TEB)) {
        this.fwd.io[IO_RX_FRAMES]++;
        this.fwd.io[IO_RX_IGNORED]++;
        return;
      }
    }
    this.fwd.ingest(b, 0, len);
  }

  transmit(slot: TxSlot, T: DataplaneTables): void {
    const b = slot.b;
    const n = b.count;
    const tx = this.tx;
    for (let i = 0; i < n; i++) {
      const nx = b.next[i]!;
      if (nx === NEXT_DROP) continue;
      let addr: string;
      if (nx === NEXT_GATEWAY) addr = this.dips[b.target[i]!]!;
      else if (nx === NEXT_TUNNEL) addr = this.dips[T.tunGw[b.target[i]!]!]!;
      else addr = ip4ToString(b.dst[i]!); // reply: rare on raw sockets (see above)
      if (this.syncSend) {
        try {
          tx.wrap!.send(b.arena, b.base[i]!, b.len[i]!, addr, noop);
        } catch {
          this.fwd.io[IO_TX_ERRORS]++;
        }
      } else {
        slot.pending++;
        tx.send(b.arena, b.base[i]!, b.len[i]!, addr, (e) => slot.done(e));
      }
    }
  }

  async close(): Promise<void> {
    for (const s of this.rx) s.close();
    this.tx.close();
    for (const s of this.sinks) s.close();
  }
}

function bindToDevice(mod: RawSocketModule, s: RawSocket, iface: string): void {
  const name = Buffer.from(`${iface}\0`, 'latin1');
  try {
    s.setOption(mod.SocketLevel.SOL_SOCKET!, mod.SocketOption.SO_BINDTODEVICE!, name, name.length);
  } catch (e) {
    throw new CliError(`--interface ${iface}: cannot bind a raw socket to it (${(e as Error).message})`, EXIT_ADDRESS);
  }
}
