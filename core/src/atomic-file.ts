import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /** File mode of the new file (default 0600: keys and configuration are for the service user only). */
  mode?: number;
  /**
   * Never replace an existing file: the first writer wins and `false` is returned to the others (a key created
   * by two processes at once must be one key). Default false: replace.
   */
  noClobber?: boolean;
}

/**
 * The one atomic file write: a temporary file beside the target (created exclusively, with its final mode), the
 * data fsynced, then renamed (or, with `noClobber`, hard-linked) into place and the directory fsynced, so after a
 * power cut the path holds either the old content or the whole new content, and the new name itself is durable.
 * Returns true when this call's content is in place.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): boolean {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', options.mode ?? 0o600);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (options.noClobber) {
      try {
        linkSync(tmp, path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw err;
      }
    } else {
      renameSync(tmp, path);
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  fsyncDirectory(dirname(path));
  return true;
}

/** fsync of a directory: makes the names created, renamed or removed in it durable. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
