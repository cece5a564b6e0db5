/**
 * Loading raw-socket (an optional native dependency) with errors a user can act on.
 *
 *   not installed (`npm ci --omit=optional`, or its build failed at install)  -> exit 4
 *   installed but the addon is not built (no build/Release/raw.node)           -> exit 4
 *   built for another Node.js (ERR_DLOPEN_FAILED, NODE_MODULE_VERSION)         -> exit 4
 *   socket() fails with EPERM/EACCES: no CAP_NET_RAW                           -> exit 3
 *
 * raw-socket 1.8.1 (index.js): `Socket.send` queues a request and sends one per
 * "sendReady" poll event, and `onRecvReady` reads one datagram per "recvReady" event into a
 * reused buffer. The forwarder therefore talks to the socket's native `wrap` directly (pinned
 * version): `wrap.send` is a synchronous sendto(2) that throws on error, and `wrap.recv` a
 * recvfrom(2) that throws EAGAIN when the socket is empty, so a readable event drains the
 * socket and a batch is sent in one go. When `wrap` does not look like that, the public API
 * is used instead.
 */
import { createRequire } from 'node:module';
import { CliError, EXIT_NO_NATIVE, EXIT_PERMISSION } from '../cli/exit-codes.js';

export interface RawSocketWrap {
  recv(buf: Buffer, cb: (buf: Buffer, bytes: number, source: string) => void): unknown;
  send(buf: Buffer, off: number, len: number, addr: string, cb: (bytes: number) => void): unknown;
  on(ev: string, fn: (...a: unknown[]) => void): unknown;
  removeAllListeners(ev: string): unknown;
}

export interface RawSocket {
  wrap?: RawSocketWrap;
  on(ev: 'message', fn: (b: Buffer, source: string) => void): unknown;
  on(ev: 'error', fn: (e: Error) => void): unknown;
  send(buf: Buffer, off: number, len: number, addr: string, after: (e: Error | null, bytes: number) => void): unknown;
  setOption(level: number, option: number, value: number | Buffer, length?: number): void;
  close(): unknown;
}

export interface RawSocketModule {
  createSocket(o: { protocol?: number; addressFamily?: number; bufferSize?: number }): RawSocket;
  SocketLevel: Record<string, number>;
  SocketOption: Record<string, number>;
}

export const NO_CAP_NET_RAW_HELP =
  'raw sockets need CAP_NET_RAW: run as root, or grant it to node with ' +
  "`sudo setcap cap_net_raw+ep $(readlink -f $(which node))`; or use --io vxlan, which needs no privileges";

/** Load raw-socket or throw a CliError with exit code 4 saying why and what to do. */
export function loadRawSocket(req: (id: string) => unknown = createRequire(import.meta.url)): RawSocketModule {
  try {
    return req('raw-socket') as RawSocketModule;
  } catch (e) {
    throw rawSocketLoadError(e);
  }
}

export function rawSocketLoadError(e: unknown): CliError {
  const err = e as NodeJS.ErrnoException;
  const msg = String(err?.message ?? e);
  if (err?.code === 'MODULE_NOT_FOUND' && /raw\.node/.test(msg)) {
    return new CliError(
      '--io raw: raw-socket is installed but its native addon is not built (build/Release/raw.node is missing). ' +
        'Build it with a C++ toolchain (python3, make, g++): `npm rebuild raw-socket`; or use --io vxlan (no native code).',
      EXIT_NO_NATIVE,
    );
  }
  if (err?.code === 'MODULE_NOT_FOUND' || err?.code === 'ERR_MODULE_NOT_FOUND') {
    return new CliError(
      '--io raw: raw-socket is not installed. It is an optional native dependency, left out by ' +
        '`npm ci --omit=optional` or when its build failed at install. Install it with a C++ toolchain ' +
        '(python3, make, g++): `npm install raw-socket@1.8.1`; or use --io vxlan (no native code).',
      EXIT_NO_NATIVE,
    );
  }
  return new CliError(
    `--io raw: raw-socket's native addon cannot be loaded (${msg.split('\n')[0]}); it was probably built for another ` +
      'Node.js version: `npm rebuild raw-socket`; or use --io vxlan (no native code).',
    EXIT_NO_NATIVE,
  );
}

/** Is this error from socket(2)/setsockopt(2) a missing privilege? */
export function isPermissionError(e: unknown): boolean {
  const m = String((e as Error)?.message ?? e);
  return /Operation not permitted|Permission denied|EPERM|EACCES/.test(m);
}

/** Open a raw socket for `protocol`, mapping EPERM to exit 3 with the way to grant it. */
export function openRawSocket(mod: RawSocketModule, protocol: number, bufferSize = 65536): RawSocket {
  try {
    return mod.createSocket({ protocol, bufferSize });
  } catch (e) {
    if (isPermissionError(e)) throw new CliError(`permission denied opening a raw socket (protocol ${protocol}): ${NO_CAP_NET_RAW_HELP}`, EXIT_PERMISSION);
    throw new CliError(`cannot open a raw socket (protocol ${protocol}): ${(e as Error).message}`, EXIT_NO_NATIVE);
  }
}

/** Does this socket expose raw-socket 1.8.1's synchronous native wrap? */
export function hasNativeWrap(s: RawSocket): s is RawSocket & { wrap: RawSocketWrap } {
  const w = s.wrap as Partial<RawSocketWrap> | undefined;
  return !!w && typeof w.recv === 'function' && typeof w.send === 'function' && typeof w.removeAllListeners === 'function' && typeof w.on === 'function';
}

/** Is this error (thrown by wrap.recv/send) "try again"? */
export function isWouldBlock(e: unknown): boolean {
  return /temporarily unavailable|EAGAIN|EWOULDBLOCK/.test(String((e as Error)?.message ?? e));
}

/**
 * Read every datagram waiting on `s` (at most `max` per readable event) into `onPacket`,
 * which must copy what it keeps: the buffer is reused.
 */
export function drainOnReadable(s: RawSocket, buf: Buffer, max: number, onPacket: (b: Buffer, len: number) => void, onError: (e: unknown) => void): void {
  if (!hasNativeWrap(s)) {
    s.on('message', (b) => onPacket(b, b.length));
    return;
  }
  const w = s.wrap;
  const cb = (b: Buffer, bytes: number): void => onPacket(b, bytes);
  w.removeAllListeners('recvReady');
  w.on('recvReady', () => {
    for (let k = 0; k < max; k++) {
      try {
        w.recv(buf, cb);
      } catch (e) {
        if (!isWouldBlock(e)) onError(e);
        return;
      }
    }
  });
}
