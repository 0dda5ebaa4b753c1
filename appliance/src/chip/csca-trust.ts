/**
 * The CSCA certificates passive authentication trusts: the union of the local `devices.chip.cscaPath` (one file,
 * or every certificate and master-list file of a directory, for offline provisioning) and the certificates the
 * central sends down with the signed reference pull (csca-sync.ts, #18). Master lists have their own signature
 * verified (protocol/src/csca-list.ts loadCscaList); a file that fails is left out and logged, the rest
 * still load.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Logger } from '@lmc/core/logger.ts';
import { loadCscaList } from '@lmc/protocol/csca-list.ts';
import type * as pkijs from 'pkijs';
import type { SyncedCscaSet } from './csca-sync.ts';

const EXTENSIONS = new Set(['.pem', '.crt', '.cer', '.der', '.ml', '.bin']);

export interface CscaTrust {
  readonly certificates: pkijs.Certificate[];
  /** Files read, and the ones refused with why (for the technician's log and GET /api/chip/csca). */
  readonly files: { file: string; certificates: number; form: string }[];
  readonly refused: { file: string; reason: string }[];
}

export async function loadCscaTrust(path: string | undefined, log: Logger, extra: readonly Buffer[] = []): Promise<CscaTrust> {
  const trust: CscaTrust = { certificates: [], files: [], refused: [] };
  const add = async (file: string, bytes: Buffer) => {
    try {
      const list = await loadCscaList(bytes);
      trust.certificates.push(...list.certificates);
      trust.files.push({ file, certificates: list.certificates.length, form: list.form });
    } catch (err) {
      trust.refused.push({ file, reason: (err as Error).message });
      log.error({ file, code: (err as { code?: string }).code }, `CSCA file refused: ${(err as Error).message}`);
    }
  };
  for (const [i, bytes] of extra.entries()) await add(`simulated-${i}`, bytes);
  if (path) {
    let files: string[];
    try {
      files = statSync(path).isDirectory()
        ? readdirSync(path)
            .filter((f) => EXTENSIONS.has(extname(f).toLowerCase()))
            .sort()
            .map((f) => join(path, f))
        : [path];
    } catch (err) {
      files = [];
      trust.refused.push({ file: path, reason: (err as NodeJS.ErrnoException).code ?? 'unreadable' });
      log.error({ path }, 'devices.chip.cscaPath cannot be read: passive authentication will say "no CSCA list"');
    }
    for (const f of files) await add(f, readFileSync(f));
  }
  log.info({ certificates: trust.certificates.length, files: trust.files.length, refused: trust.refused.length }, 'CSCA certificates loaded');
  return trust;
}

/** What GET /api/chip/csca lists for the certificates from the central. */
export const SYNCED_CSCA_FILE = 'central (reference sync)';

const fingerprintOf = (c: pkijs.Certificate) => createHash('sha256').update(Buffer.from(c.toSchema().toBER())).digest('hex');

/**
 * The trust passive authentication uses: `local` (loaded once at start) plus the synced set as it is now. A
 * certificate in both counts once. Rebuilt only when the synced set changes.
 */
export function unionCscaTrust(local: CscaTrust, synced: { current(): SyncedCscaSet }): () => CscaTrust {
  const localFingerprints = new Set(local.certificates.map(fingerprintOf));
  let seen: SyncedCscaSet | undefined;
  let merged: CscaTrust = local;
  return () => {
    const now = synced.current();
    if (now === seen) return merged;
    seen = now;
    const extra = [...now.certificates].filter(([fp]) => !localFingerprints.has(fp)).map(([, c]) => c);
    merged = {
      certificates: [...local.certificates, ...extra],
      files: [...local.files, ...(now.certificates.size > 0 ? [{ file: SYNCED_CSCA_FILE, certificates: now.certificates.size, form: 'reference-sync' }] : [])],
      refused: [...local.refused, ...now.refused],
    };
    return merged;
  };
}
