/** The details form's country of birth (issue #16): optional, never focused on its own, saved and restored as a code. */
import { describe, expect, it } from 'vitest';
import { blankForm, changedFields, detailsBody, formFrom, missingEditors, nextEditor } from '../src/state/details-form.ts';
import en from '../src/i18n/en.json' with { type: 'json' };
import nd from '../src/i18n/nd.json' with { type: 'json' };
import sn from '../src/i18n/sn.json' with { type: 'json' };
import { BIRTH_COUNTRIES } from '../src/screens/details-step.ts';

describe('country of birth on the details step', () => {
  it('is never required and never takes the focus: education moves on to the phone', () => {
    const f = { ...blankForm('en'), education: 'primary' };
    expect(missingEditors(f)).not.toContain('birth');
    expect(nextEditor(f, 'education', new Set())).toBe('phone');
  });

  it('autosaves the code, sends it with the details, and reads it back from a saved draft', () => {
    const a = blankForm('sn');
    expect(changedFields(a, { ...a, countryOfBirth: 'MOZ' })).toEqual({ countryOfBirth: 'MOZ' });
    expect(detailsBody({ ...a, countryOfBirth: 'MOZ' }).countryOfBirth).toBe('MOZ');
    expect(detailsBody(a).countryOfBirth).toBeNull();
    expect(formFrom(a, { countryOfBirth: 'MWI' }).countryOfBirth).toBe('MWI');
    expect(formFrom({ ...a, countryOfBirth: 'MWI' }, { countryOfBirth: null }).countryOfBirth).toBeNull();
  });

  it('names every offered country in every language', () => {
    for (const [lang, cat] of [['en', en], ['sn', sn], ['nd', nd]] as const) {
      const names = (cat as unknown as { country: Record<string, string> }).country;
      for (const code of BIRTH_COUNTRIES.filter((c) => c !== 'unknown')) expect(names[code], `${lang} ${code}`).toBeTruthy();
      expect((cat as unknown as { details: { birthUnknown?: string; row: Record<string, string> } }).details.row.birth, lang).toBeTruthy();
    }
  });
});
