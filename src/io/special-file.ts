/**
 * Where an output really goes. Captures and reports are written under a temporary name and
 * renamed over the destination when complete (capture-writer.ts, report/report.ts), so that a
 * file that looks complete is complete.
 * - A destination that already exists as a character device (`-w /dev/null`), a FIFO or a
 *   socket is no file to replace: renaming over it would put a regular file where the device
 *   was (as root, `/dev/null` itself). Such a destination is opened and written directly, like
 *   stdout.
 * - A destination that is a symbolic link (`-w /dev/stdout` into a file, a link to a capture
 *   store) is replaced at the file it names, not the link itself.
 */
import fs from 'node:fs';
import nodePath from 'node:path';

/** `path` exists (following symbolic links) and is neither a regular file nor a directory. */
export function isSpecialFile(path: string): boolean {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch {
    return false; // no such file yet: it is created through its temporary name
  }
  return !st.isFile() && !st.isDirectory();
}

/**
 * The path to write under a temporary name and rename over: `path` with its symbolic links
 * resolved when it exists (the rename then replaces the file a link names, and leaves the
 * link), else `path` as given.
 */
export function renameTarget(path: string): string {
  try {
    return fs.realpathSync(path);
  } catch {
    return path; // not there yet (or a dangling link): created as named
  }
}

/** The temporary name a file is written under before it is renamed to `dest`: `.<name>.<pid>.tmp` beside it. */
export function tempNameFor(dest: string): string {
  return nodePath.join(nodePath.dirname(dest), `.${nodePath.basename(dest)}.${process.pid}.tmp`);
}
