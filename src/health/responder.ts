/**
 * `gwplane responder`: the gateway side of UDP health checking, a tiny echo service run in
 * each gateway (namespace). Every datagram of at most 512 bytes is sent back unchanged to
 * where it came from (same size: no amplification); longer ones are ignored.
 */
import { createSocket } from 'node:dgram';

export const MAX_ECHO = 512;

export interface Responder {
  readonly address: string;
  readonly port: number;
  echoed: number;
  ignored: number;
  close(): Promise<void>;
}

/** Bind `host:port` and echo. Rejects with the bind error (EADDRINUSE, EADDRNOTAVAIL...). */
export async function startResponder(host: string, port: number): Promise<Responder> {
  const sock = createSocket({ type: 'udp4' });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, host, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  const a = sock.address();
  const r: Responder = {
    address: a.address,
    port: a.port,
    echoed: 0,
    ignored: 0,
    close: () => new Promise<void>((resolve) => sock.close(() => resolve())),
  };
  sock.on('message', (m, from) => {
    if (m.length > MAX_ECHO) {
      r.ignored++;
      return;
    }
    r.echoed++;
    sock.send(m, from.port, from.address);
  });
  sock.on('error', () => {
    r.ignored++;
  });
  return r;
}
