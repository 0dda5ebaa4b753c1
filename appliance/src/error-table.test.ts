import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { ErrorDeclaration } from '@lmc/core/errors.ts';
import { FirmwareBridgeErrors } from '@lmc/firmware-bridge/errors.ts';
import { declarationOf, statusFor } from './error-table.ts';
import { ApplianceError, type ApplianceErrorCode, ApplianceErrors } from './errors.ts';
import { registerErrorHandler } from './http/error-handler.ts';

/**
 * "Errors declared once": every code the appliance and the firmware bridge construct is declared by a layer
 * with its HTTP status, the server answers each with that status, and the UI's texts point at declared codes.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const TREES = { appliance: join(ROOT, 'appliance/src'), 'firmware-bridge': join(ROOT, 'firmware-bridge/src') } as const;
const CLOSED_MODULES = new Set([join(TREES.appliance, 'errors.ts'), join(TREES['firmware-bridge'], 'errors.ts')]);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.endsWith('test-support.ts') ? [path] : [];
  });
}

/** The text of the first argument after `open` (balanced brackets and strings; stops at a top-level comma or `)`). */
function firstArgument(text: string, open: number): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return text.slice(open, i).trim();
      depth--;
    } else if (c === ',' && depth === 0) return text.slice(open, i).trim();
  }
  throw new Error('unbalanced call');
}

/** Where an import specifier of `file` points, as a source path (package names map to their src/). */
function resolveSpecifier(file: string, spec: string): string | undefined {
  const pkg = /^@lmc\/([a-z-]+)\/(.+)$/.exec(spec);
  if (pkg) return join(ROOT, pkg[1] as string, 'src', pkg[2] as string);
  if (spec.startsWith('.')) return resolve(dirname(file), spec);
  return undefined;
}

/** The module a name of `file` comes from: its own (`export const NAME`/`const NAME`) or an import's. */
function moduleOfName(file: string, text: string, name: string): string | undefined {
  if (new RegExp(`^(export )?const ${name}\\b`, 'm').test(text)) return file;
  for (const m of text.matchAll(/^import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'([^']+)';/gm)) {
    const names = (m[1] as string).split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop());
    if (names.includes(name)) return resolveSpecifier(file, m[2] as string);
  }
  return undefined;
}

interface Site {
  where: string;
  argument: string;
  /** The code, when the argument is a literal or a reference to a constant this scan can evaluate. */
  code?: string;
  /** The file constructs through its package's closed ApplianceError (appliance/src/errors.ts, firmware-bridge/src/errors.ts). */
  closed: boolean;
  tree: keyof typeof TREES;
}

async function constructionSites(): Promise<Site[]> {
  const sites: Site[] = [];
  for (const [tree, dir] of Object.entries(TREES) as [keyof typeof TREES, string][]) {
    for (const file of sources(dir)) {
      const text = readFileSync(file, 'utf8');
      if (!text.includes('new ApplianceError(')) continue;
      const from = moduleOfName(file, text, 'ApplianceError');
      const closed = from !== undefined && CLOSED_MODULES.has(from);
      for (const m of text.matchAll(/new ApplianceError\(/g)) {
        const argument = firstArgument(text, (m.index ?? 0) + m[0].length);
        const line = text.slice(0, m.index).split('\n').length;
        const site: Site = { where: `${relative(ROOT, file)}:${line}`, argument, closed, tree };
        const literal = /^'([^']*)'$/.exec(argument) ?? /^"([^"]*)"$/.exec(argument);
        // A literal, a constant, or a member path into one (`ApplianceErrors.NOT_FOUND.code`).
        const reference = /^([A-Za-z_$][\w$]*)((?:\.[A-Za-z_$][\w$]*)*)$/.exec(argument);
        if (literal) site.code = literal[1];
        else if (reference) {
          const [, name, path] = reference as unknown as [string, string, string];
          const module = moduleOfName(file, text, name);
          if (module) {
            const value = ((await import(pathToFileURL(module).href)) as Record<string, unknown>)[name];
            const code = path
              .split('.')
              .filter(Boolean)
              .reduce<unknown>((node, member) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[member] : undefined), value);
            if (typeof code === 'string') site.code = code;
          }
        }
        sites.push(site);
      }
    }
  }
  return sites;
}

const catalogue = (lang: string) => JSON.parse(readFileSync(join(ROOT, `ui/src/i18n/${lang}.json`), 'utf8')) as Record<string, unknown>;
const lookup = (tree: Record<string, unknown>, key: string): unknown =>
  key.split('.').reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), tree);
const declarations = Object.values(ApplianceErrors) as ErrorDeclaration[];

describe('errors declared once', () => {
  it('finds the construction sites it checks (the scan itself works)', async () => {
    const sites = await constructionSites();
    expect(sites.length).toBeGreaterThan(100);
    expect(sites.filter((s) => s.code !== undefined).length).toBeGreaterThan(80);
    expect(sites.some((s) => s.tree === 'firmware-bridge' && s.code === 'MRZ_UNRECOGNISED_FORMAT')).toBe(true);
  });

  it('every code constructed in appliance/src and firmware-bridge/src is declared with a status', async () => {
    const undeclared = (await constructionSites())
      .filter((s) => s.code !== undefined)
      .filter((s) => (s.tree === 'firmware-bridge' ? !Object.hasOwn(FirmwareBridgeErrors, s.code as string) : declarationOf(s.code as string) === undefined))
      .map((s) => `${s.where}: ${s.code}`);
    expect(undeclared).toEqual([]);
  });

  it('a code this scan cannot evaluate goes through the closed ApplianceError, so the compiler checks it', async () => {
    // e.g. a helper's `code: CryptoErrorCode` parameter or a worker's result: typed, not evaluated here.
    const open = (await constructionSites())
      .filter((s) => s.code === undefined && !s.closed)
      .map((s) => `${s.where}: new ApplianceError(${s.argument}, ...) with ApplianceError from @lmc/core: import it from the package's errors.ts`);
    expect(open).toEqual([]);
  });

  it('declares no code twice and keeps the firmware bridge independent (its codes are its own declarations)', () => {
    for (const d of Object.values(FirmwareBridgeErrors) as ErrorDeclaration[]) expect(ApplianceErrors[d.code as ApplianceErrorCode]).toBe(d);
    expect(new Set(declarations.map((d) => d.code)).size).toBe(declarations.length);
    for (const d of declarations) {
      expect(d.code, d.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(Number.isInteger(d.status) && d.status >= 400 && d.status <= 599, `${d.code} ${d.status}`).toBe(true);
    }
  });

  it('statusFor gives each declared code its declared status: a declared 4xx never falls back to 500', () => {
    for (const d of declarations) expect(statusFor(d.code), d.code).toBe(d.status);
    expect(declarations.filter((d) => d.status < 500).length).toBeGreaterThan(30);
    expect(statusFor('NO_SUCH_CODE')).toBe(500);
  });

  it('answers a device fault with the state of the device (409 desk, 422 unusable sample, 502 wrong answer, 503 unavailable), never 500', () => {
    // 500 stays for faults of the appliance itself: its own configuration, a receipt it composed wrongly, a CSCA file.
    const internal = new Set(['CONFIG_INVALID', 'RECEIPT_DOCUMENT_INVALID', 'CHIP_CSCA_LIST_INVALID']);
    const served = (Object.values(FirmwareBridgeErrors) as ErrorDeclaration[]).filter((d) => d.status === 500).map((d) => d.code);
    expect(served.sort()).toEqual([...internal].sort());
    expect([statusFor('FP_ACK_TIMEOUT'), statusFor('FP_IMAGE_MESSY'), statusFor('FP_BAD_RESPONSE'), statusFor('PRINTER_PAPER_OUT')]).toEqual([503, 422, 502, 409]);
  });

  it("the server's one error handler answers every declared code with its status and exposes only the declared context", async () => {
    const app = Fastify();
    registerErrorHandler(app);
    app.get<{ Params: { code: ApplianceErrorCode } }>('/throw/:code', async (request) => {
      throw new ApplianceError(request.params.code, 'refused', { field: 'phone', retryAfterS: 2.5, secret: 'never in the body' });
    });
    try {
      for (const d of declarations) {
        const res = await app.inject({ method: 'GET', url: `/throw/${d.code}` });
        expect(res.statusCode, d.code).toBe(d.status);
        const body = res.json() as Record<string, unknown>;
        expect(body, d.code).toMatchObject({ statusCode: d.status, code: d.code, message: 'refused' });
        expect(body.secret, d.code).toBeUndefined();
        expect('field' in body, d.code).toBe(d.expose?.includes('field') ?? false);
        expect(res.headers['retry-after'], d.code).toBe('3');
      }
    } finally {
      await app.close();
    }
  });

  it('the UI has every declared message key in en, sn and nd, and its error.<CODE> texts are for declared codes', () => {
    const langs = ['en', 'sn', 'nd'].map((l) => [l, catalogue(l)] as const);
    for (const d of declarations.filter((x) => x.messageKey)) {
      for (const [lang, c] of langs) expect(typeof lookup(c, d.messageKey as string), `${lang} ${d.messageKey}`).toBe('string');
      expect(d.messageKey?.endsWith(`.${d.code}`), d.code).toBe(true);
    }
    const uiCodes = Object.keys((catalogue('en').error ?? {}) as Record<string, string>).filter((k) => /^[A-Z][A-Z0-9_]*$/.test(k));
    const withKey = new Set(declarations.filter((d) => d.messageKey === `error.${d.code}`).map((d) => d.code));
    expect(uiCodes.filter((c) => !withKey.has(c))).toEqual([]);
    // The split of INVALID_STATE: finalized and failed check digits are told apart, in every language.
    for (const code of ['REGISTRATION_FINALIZED', 'DOCUMENT_CHECK_FAILED']) expect(withKey.has(code), code).toBe(true);
    expect(declarationOf('INVALID_STATE')).toBeUndefined();
  });

  it('no error is recognised by its message text', () => {
    const byText: string[] = [];
    for (const dir of Object.values(TREES)) {
      for (const file of sources(dir)) {
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            const code = line.replace(/typeof\s+[\w$.?]+/g, 'TYPE'); // `typeof body.message === 'string'` reads no text
            if (/\.message\??\.(includes|startsWith|endsWith|match|search)\(/.test(code) || /\.message\s*[!=]==?\s*['"`]/.test(code)) {
              byText.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
            }
          });
      }
    }
    expect(byText).toEqual([]);
  });
});
