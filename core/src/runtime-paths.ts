import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Whether the calling module runs as compiled JavaScript (a production bundle under `<package>/dist/`) rather
 * than as TypeScript through tsx. Pass `import.meta.url`.
 */
export function isCompiled(metaUrl: string): boolean {
  return /\.m?js$/.test(fileURLToPath(metaUrl));
}

const roots = new Map<string, string>();

/**
 * The installation's root folder (the one whose package.json declares the workspaces), found by walking up from
 * the calling module. Source files and production bundles sit at different depths; files the packages ship
 * beside their code (the UI build, the receipt catalogue, the reference seed) are named from here.
 */
export function installRoot(metaUrl: string): string {
  const start = dirname(fileURLToPath(metaUrl));
  const cached = roots.get(start);
  if (cached) return cached;
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if (Array.isArray((JSON.parse(readFileSync(manifest, 'utf8')) as { workspaces?: unknown }).workspaces)) {
          roots.set(start, dir);
          return dir;
        }
      } catch {
        /* an unreadable manifest is not the root: keep walking */
      }
    }
    if (dirname(dir) === dir) throw new Error(`no workspace root above ${start}`);
  }
}
