/**
 * The one error type of capture I/O: a file that cannot be opened or read, or whose bytes
 * break the pcap / pcapng format (bad magic, impossible lengths). It names the file and the
 * byte offset of the offending header, record or block, so a user can look at it with
 * `xxd -s OFFSET FILE`.
 *
 * It is thrown once per file, never per packet: a cut-short last record is not an error
 * (the reader counts it and adds a warning instead).
 */
export class CaptureError extends Error {
  /** Byte offset in the file of the header, record, block or field at fault. */
  readonly offset: number;
  /** The path as given to the reader, or '-' for stdin. */
  readonly file: string;

  constructor(file: string, offset: number, what: string) {
    super(`${file}: byte ${offset}: ${what}`);
    this.name = 'CaptureError';
    this.file = file;
    this.offset = offset;
  }
}
