import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureUiBuilt } from '../scripts/ensure-built.ts';

const ASSETS = fileURLToPath(new URL('../dist/assets/', import.meta.url));
const BUDGET_GZIP_BYTES = 150 * 1024;

describe('officer UI bundle', () => {
  beforeAll(async () => {
    await ensureUiBuilt();
  });

  it('ships its JavaScript under 150 KB gzipped', () => {
    const js = readdirSync(ASSETS).filter((f) => f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(0);
    const gz = js.reduce((sum, f) => sum + gzipSync(readFileSync(join(ASSETS, f)), { level: 9 }).length, 0);
    console.info(`UI JavaScript: ${(gz / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_GZIP_BYTES / 1024} KB)`);
    expect(gz).toBeLessThan(BUDGET_GZIP_BYTES);
  });

  it('loads nothing from outside the appliance (no CDN, no web fonts)', () => {
    for (const f of readdirSync(ASSETS).filter((n) => /\.(js|css)$/.test(n))) {
      const text = readFileSync(join(ASSETS, f), 'utf8');
      expect(text, f).not.toMatch(/@import\s+url\(|fonts\.googleapis|cdn\.jsdelivr|unpkg\.com/);
      expect(text, f).not.toMatch(/url\(["']?https?:/);
    }
    const index = readFileSync(new URL('../dist/index.html', import.meta.url), 'utf8');
    expect(index).not.toMatch(/(src|href)="https?:/);
  });
});
