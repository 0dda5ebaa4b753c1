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
