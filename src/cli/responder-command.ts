/**
 * `gwplane responder`: the UDP echo that `forward --io vxlan` probes, run in each gateway.
 * Runs until SIGINT/SIGTERM (exit 0); a port in use or an address not on this host is exit 5.
 */
import { makeLogger, type LogFormat } from '../forward/log.js';
import { bindError, type Endpoint } from '../forward/io-vxlan.js';
import { startResponder } from '../health/responder.js';

export async function runResponderCommand(o: { listen: Endpoint; logFormat?: LogFormat }): Promise<void> {
  const log = makeLogger('gwplane-responder', o.logFormat);
  let r;
  try {
    r = await startResponder(o.listen.host, o.listen.port);
  } catch (e) {
    throw bindError(e as NodeJS.ErrnoException, `--listen ${o.listen.host}:${o.listen.port}`);
  }
  log.info({ listen: `${r.address}:${r.port}` }, 'responding to health probes');
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await r.close();
  log.info({ signal, echoed: r.echoed }, `stopped on ${signal}`);
}
