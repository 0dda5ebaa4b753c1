import { describe, expect, it } from 'vitest';
import { kioskOriginCheck } from '../src/kiosk.ts';
import { resumeStep } from '../src/state/draft.ts';
import { IdleTimer, idleSettings } from '../src/state/idle.ts';
import { applyKey, emptyManual, firstIncomplete } from '../src/state/manual-mrz.ts';

describe('manual MRZ editor', () => {
  const type = (s: ReturnType<typeof emptyManual>, text: string) => [...text].reduce(applyKey, s);

  it('accepts only A–Z, 0–9 and <, and moves to the next line when one is full', () => {
    let s = type(emptyManual('td3'), 'P<ZWE');
    s = applyKey(s, 'a');
    s = applyKey(s, ' ');
    expect(s.lines[0]).toBe('P<ZWE');
    s = applyKey(s, 'FILL');
    expect(s.lines[0]).toBe(`P<ZWE${'<'.repeat(39)}`);
    expect(s.active).toBe(1);
    s = type(s, 'FN1');
    expect(s.lines[1]).toBe('FN1');
  });

  it('deletes back across lines and reports the first incomplete line', () => {
    let s = applyKey(emptyManual('td1'), 'FILL');
    expect(s.active).toBe(1);
    expect(firstIncomplete(s)).toEqual({ n: 2, have: 0, need: 30 });
    s = applyKey(s, 'DELETE');
    expect(s.active).toBe(0);
    s = applyKey(s, 'DELETE');
    expect(s.lines[0]).toHaveLength(29);
    s = applyKey(applyKey(applyKey(s, 'X'), 'FILL'), 'FILL');
    expect(firstIncomplete(applyKey(s, 'FILL'))).toBeNull();
  });
});

describe('idle logout timer', () => {
  it('stays quiet, then counts down the last minute, then expires; a touch starts it over', () => {
    const { idleMs, warnMs } = idleSettings(300_000);
    expect({ idleMs, warnMs }).toEqual({ idleMs: 295_000, warnMs: 60_000 });
    const timer = new IdleTimer(idleMs, warnMs, 0);
    expect(timer.tick(234_000)).toEqual({ phase: 'active' });
    expect(timer.tick(236_000)).toEqual({ phase: 'warning', secondsLeft: 59 });
    timer.activity(240_000);
    expect(timer.tick(300_000)).toEqual({ phase: 'active' });
    expect(timer.tick(535_000)).toEqual({ phase: 'expired' });
  });

  it('warns for a third of a short timeout', () => {
    expect(idleSettings(35_000)).toEqual({ idleMs: 30_000, warnMs: 10_000 });
  });
});

describe('resume after a reload', () => {
  it('takes the server\'s status over the remembered step', () => {
    expect(resumeStep('draft', 'review')).toBe('document');
    expect(resumeStep('draft', 'manual')).toBe('manual');
    expect(resumeStep('captured', 'review')).toBe('review');
    expect(resumeStep('captured', 'receipt')).toBe('review');
    expect(resumeStep('finalized', 'review')).toBeNull();
    expect(resumeStep('finalized', 'receipt')).toBe('receipt');
  });
});

describe('kiosk origin guard', () => {
  it('runs only at an origin the appliance announced', () => {
    const meta = 'http://127.0.0.1:8080 http://localhost:8080';
    expect(kioskOriginCheck(meta, 'http://localhost:8080').ok).toBe(true);
    expect(kioskOriginCheck(meta, 'http://192.168.1.20:8080').ok).toBe(false);
    expect(kioskOriginCheck(meta, 'null').ok).toBe(false); // saved to a file
    expect(kioskOriginCheck('', 'http://127.0.0.1:8080')).toEqual({ ok: false, expected: '(none announced)' });
  });
});

describe('details form: next empty field, what is missing, the autosave body', async () => {
  const { blankForm, changedFields, missingEditors, nextEditor } = await import('../src/state/details-form.ts');
  const filled = { ...blankForm('sn'), homeProvince: 'ZW-MS', homeDistrict: 'ZW-MS-BEITBRIDGE', occupationIsco: '9211' };

  it('moves from a field to the next empty one, skipping filled and passed optional ones, and ends at none', () => {
    expect(nextEditor(blankForm('en'), 'home', new Set())).toBe('employer');
    expect(nextEditor(filled, 'employer', new Set())).toBe('education');
    expect(nextEditor({ ...filled, education: 'primary' }, 'education', new Set())).toBe('phone');
    expect(nextEditor({ ...filled, education: 'primary' }, 'phone', new Set(['employer']))).toBe('kin');
    const done = { ...filled, education: 'primary', kinName: 'RUDO', kinRelationship: 'spouse', consentGiven: true };
    expect(nextEditor(done, 'consent', new Set(['employer', 'phone']))).toBeNull();
  });

  it('names the required fields still missing, in screen order', () => {
    expect(missingEditors(blankForm('en'))).toEqual(['home', 'occupation', 'education', 'kin', 'consent']);
    expect(missingEditors({ ...filled, education: 'none', kinName: ' ', kinRelationship: 'friend' })).toEqual(['kin', 'consent']);
  });

  it('sends only what changed; next of kin and consent as whole objects; a consent in the migrant language', () => {
    const a = blankForm('en');
    expect(changedFields(a, { ...a, phone: '077' })).toEqual({ phone: '077' });
    expect(changedFields(a, { ...a, kinName: 'RUDO' })).toEqual({ nextOfKin: { name: 'RUDO', phone: null } });
    expect(changedFields(a, { ...a, language: 'nd', consentGiven: true, consentReadAt: '2026-11-29T08:00:00Z' })).toEqual({
      language: 'nd',
      consent: { given: true, language: 'nd', readAt: '2026-11-29T08:00:00Z' },
    });
  });
});

describe('physical keyboard', async () => {
  const { mapPhysicalKey } = await import('../src/state/physical-keys.ts');
  const keys = new Set(['A', 'B', '1', 'SPACE', 'DELETE', '<']);
  it('maps typed characters to the on-screen keys the field has, and nothing else', () => {
    expect(mapPhysicalKey('a', keys)).toBe('A');
    expect(mapPhysicalKey('1', keys)).toBe('1');
    expect(mapPhysicalKey(' ', keys)).toBe('SPACE');
    expect(mapPhysicalKey('Backspace', keys)).toBe('DELETE');
    expect(mapPhysicalKey('<', keys)).toBe('<');
    expect(mapPhysicalKey('z', keys)).toBeNull();
    expect(mapPhysicalKey('Shift', keys)).toBeNull();
    expect(mapPhysicalKey(' ', new Set(['1']))).toBeNull();
  });
});
