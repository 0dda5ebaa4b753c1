import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, scheduleMigrations } from './schema.ts';
import type { Migration } from './store/migrations.ts';

const m = (version: number, name: string): Migration => ({ version, name, sql: 'SELECT 1' });

describe('the appliance schema history', () => {
  it('puts module-owned migrations in version order', () => {
    expect(scheduleMigrations([[m(2, 'b')], [m(1, 'a'), m(3, 'c')]]).map((x) => x.name)).toEqual(['a', 'b', 'c']);
  });

  it('refuses two modules claiming one version, naming both', () => {
    expect(() => scheduleMigrations([[m(1, 'a')], [m(2, 'mine')], [m(2, 'theirs')]])).toThrow(/mine and theirs both claim version 2/);
  });

  it('refuses a gap in the history', () => {
    expect(() => scheduleMigrations([[m(1, 'a'), m(3, 'c')]])).toThrow(/no version 2/);
  });

  it('is contiguous from 1 with unique names', () => {
    expect(MIGRATIONS.map((x) => x.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(new Set(MIGRATIONS.map((x) => x.name)).size).toBe(MIGRATIONS.length);
  });

  it('keeps the store free of feature imports (features own their migrations)', () => {
    const dir = fileURLToPath(new URL('./store/', import.meta.url));
    const outside = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .flatMap((f) => [...readFileSync(dir + f, 'utf8').matchAll(/from '(\.\.\/[^']+)'/g)].map((x) => `${f}: ${x[1]}`))
      .filter((imp) => !/\.\.\/(errors|events)\.ts'?$/.test(imp.split(': ')[1] ?? ''));
    expect(outside).toEqual([]);
  });
});
