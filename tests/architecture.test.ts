import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The arrows allowed between packages (shared/DESIGN.md): a package imports another only by its name, and only
 * along these arrows. The UI takes types alone from the others: nothing of theirs is bundled into the page.
 */
const ROOT = resolve(import.meta.dirname, '..');
const ALLOWED: Record<string, { runtime: string[]; tests?: string[]; typesOnly?: string[] }> = {
  core: { runtime: [] },
  // Tests may make their inputs with the device simulators (certificates, faces); the product never imports them.
  protocol: { runtime: ['core'], tests: ['firmware-bridge'] },
  'firmware-bridge': { runtime: ['core'] },
  appliance: { runtime: ['core', 'protocol', 'firmware-bridge'] },
  central: { runtime: ['core', 'protocol'], tests: ['firmware-bridge'] },
  ui: { runtime: [], typesOnly: ['appliance', 'firmware-bridge', 'protocol', 'core'], tests: ['appliance', 'firmware-bridge', 'core'] },
  provisioning: { runtime: ['core', 'protocol', 'firmware-bridge', 'appliance'], tests: ['central'] },
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /^\s*(import|export)(\s+type)?\b[^'";]*?from\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
const isTest = (file: string) => file.endsWith('.test.ts') || file.includes(`${sep}test${sep}`) || file.endsWith('test-support.ts');

describe('package boundaries', () => {
  for (const [pkg, rule] of Object.entries(ALLOWED)) {
    it(`${pkg} imports only along its allowed arrows, by package name`, () => {
      const wrong: string[] = [];
      for (const file of sourceFiles(join(ROOT, pkg))) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(IMPORT)) {
          const spec = m[3] ?? m[4] ?? '';
          const typeOnly = Boolean(m[2]);
          const where = `${relative(ROOT, file)} → ${spec}`;
          if (spec.startsWith('.')) {
            // A relative import must stay inside the package.
            const target = resolve(file, '..', spec);
            const sharedTestSupport = isTest(file) && target.startsWith(join(ROOT, 'tests', 'support') + sep);
            // A package's build scripts (never bundled, never run by the product) may use the repository's build tooling.
            const buildTooling = file.includes(`${sep}scripts${sep}`) && target.startsWith(join(ROOT, 'scripts') + sep);
            if (!target.startsWith(join(ROOT, pkg) + sep) && !sharedTestSupport && !buildTooling) wrong.push(`${where} (relative import leaves ${pkg}/)`);
            continue;
          }
          const other = /^@lmc\/([a-z-]+)\//.exec(spec)?.[1];
          if (!other || other === pkg) continue;
          const ok =
            rule.runtime.includes(other) ||
            (typeOnly && (rule.typesOnly ?? []).includes(other)) ||
            (isTest(file) && (rule.tests ?? []).includes(other));
          if (!ok) wrong.push(where);
        }
      }
      expect(wrong).toEqual([]);
    });
  }
});
