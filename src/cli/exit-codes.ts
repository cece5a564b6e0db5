/** Process exit codes, documented in README and `--help`. */
export const EXIT_OK = 0;
/** Runtime or input error: unreadable or malformed capture, I/O failure. */
export const EXIT_RUNTIME = 1;
/** Usage error: bad flag or argument, invalid configuration. */
export const EXIT_USAGE = 2;
/** Permission error: a raw socket needs CAP_NET_RAW. */
export const EXIT_PERMISSION = 3;
/** A native dependency (raw-socket) is not installed or not built. */
export const EXIT_NO_NATIVE = 4;
/** An address or port is in use, or an interface does not exist. */
export const EXIT_ADDRESS = 5;

/** An error a command raises to end the process with a given code and a clean message. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
