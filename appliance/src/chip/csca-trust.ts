/**
 * The CSCA certificates passive authentication trusts (`devices.chip.cscaPath`): one file, or every
 * certificate and master-list file of a directory. Master lists have their own signature verified
 * (firmware-bridge chip/csca-list.ts loadCscaList); a file that fails is left out and logged, the rest still load.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Logger } from '@lmc/core/logger.ts';
import { loadCscaList } from '@lmc/firmware-bridge/chip/csca-list.ts';
import type * as pkijs from 'pkijs';

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
