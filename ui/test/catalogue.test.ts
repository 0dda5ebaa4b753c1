import { describe, expect, it } from 'vitest';
import en from '../src/i18n/en.json' with { type: 'json' };
import nd from '../src/i18n/nd.json' with { type: 'json' };
import sn from '../src/i18n/sn.json' with { type: 'json' };
import review from '../src/i18n/review-status.json' with { type: 'json' };

type Tree = { [k: string]: string | Tree };
const flatten = (t: Tree, prefix = ''): Record<string, string> =>
  Object.fromEntries(
    Object.entries(t).flatMap(([k, v]) => (typeof v === 'string' ? [[`${prefix}${k}`, v]] : Object.entries(flatten(v, `${prefix}${k}.`)))),
  );
const vars = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

describe('the string catalogue (en, sn, nd)', () => {
  const catalogues = { en: flatten(en as Tree), sn: flatten(sn as Tree), nd: flatten(nd as Tree) };

  it('has every English string in Shona and Ndebele, non-empty, and nothing extra', () => {
    for (const lang of ['sn', 'nd'] as const) {
      expect(Object.keys(catalogues[lang]).sort(), lang).toEqual(Object.keys(catalogues.en).sort());
      const empty = Object.entries(catalogues[lang]).filter(([, v]) => v.trim() === '');
      expect(empty, lang).toEqual([]);
    }
  });

  it('keeps the same {{placeholders}} in every translation', () => {
    for (const [key, text] of Object.entries(catalogues.en)) {
      expect(vars(catalogues.sn[key] ?? ''), `sn ${key}`).toEqual(vars(text));
      expect(vars(catalogues.nd[key] ?? ''), `nd ${key}`).toEqual(vars(text));
    }
  });

  it('gives every plural both its _one and _other forms', () => {
    for (const key of Object.keys(catalogues.en).filter((k) => /_(one|other)$/.test(k))) {
      const base = key.replace(/_(one|other)$/, '');
      expect(catalogues.en[`${base}_one`], base).toBeDefined();
      expect(catalogues.en[`${base}_other`], base).toBeDefined();
    }
  });

  it('covers every MRZ warning code the parser can raise, with advice', async () => {
    const codes = ['CHECK_DIGIT_FAILED', 'DOCUMENT_EXPIRED', 'HOLDER_UNDER_18', 'UNKNOWN_STATE', 'INVALID_DATE', 'INVALID_SEX', 'INVALID_NAME', 'INVALID_DOCUMENT_CODE', 'INVALID_DOCUMENT_NUMBER', 'BIRTH_DATE_PARTLY_UNKNOWN'];
    const source = await import('node:fs').then((fs) => fs.readFileSync(new URL('../../firmware-bridge/src/mrz/types.ts', import.meta.url), 'utf8'));
    const declared = [...(/export type MrzWarningCode =([^;]+);/.exec(source)?.[1] ?? '').matchAll(/'(\w+)'/g)].map((m) => m[1]);
    expect(declared.sort()).toEqual([...codes].sort());
    for (const c of codes) {
      expect(catalogues.en[`warning.${c}`], c).toBeDefined();
      expect(catalogues.en[`action.${c}`], c).toBeDefined();
    }
  });

  it('records that the Shona and Ndebele drafts still await a native speaker', () => {
    expect(review.sn).toMatchObject({ drafted: 'machine' });
    expect(review.nd).toMatchObject({ drafted: 'machine' });
  });
});
