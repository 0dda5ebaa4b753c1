import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { deviceFaultText } from '../src/device-text.ts';
import en from '../src/i18n/en.json' with { type: 'json' };
import { initI18n, setLanguage } from '../src/i18n/i18n.ts';
import nd from '../src/i18n/nd.json' with { type: 'json' };
import sn from '../src/i18n/sn.json' with { type: 'json' };

/**
 * Device faults reach the officer as words chosen by code, in the screen's language; the device layer's English
 * message and its internal reason ("(ack-timeout)", "(port closed: bad file descriptor)") never do.
 * The codes are read from the firmware bridge's declarations as text (the UI imports no device code).
 */
const declared = (file: string, prefix: string): string[] => {
  const source = readFileSync(new URL(`../../firmware-bridge/src/${file}`, import.meta.url), 'utf8');
  const table = /declareErrors\(\{([\s\S]*?)\n\}\);/.exec(source)?.[1] ?? '';
  return [...table.matchAll(new RegExp(`^\\s+(${prefix}[A-Z0-9_]+):`, 'gm'))].map((m) => m[1] as string);
};
type Tree = { [k: string]: string | Tree };
const strings = (t: Tree): string[] => Object.values(t).flatMap((v) => (typeof v === 'string' ? [v] : strings(v)));

describe('device fault texts (en, sn, nd)', () => {
  const fpCodes = declared('errors.ts', 'FP_');
  const printerCodes = declared('errors.ts', 'PRINTER_');

  beforeAll(async () => {
    (globalThis as { document?: unknown }).document = { documentElement: {} };
    await initI18n('en');
  });

  it('finds the declared codes it checks', () => {
    expect(fpCodes).toEqual(expect.arrayContaining(['FP_ACK_TIMEOUT', 'FP_NOT_OPEN', 'FP_BAD_RESPONSE', 'FP_FINGER_TIMEOUT']));
    expect(printerCodes).toEqual(expect.arrayContaining(['PRINTER_PAPER_OUT', 'PRINTER_TIMEOUT']));
  });

  it('has words of its own for every fingerprint code and every printer code, in all three languages', () => {
    for (const [lang, catalogue] of Object.entries({ en, sn, nd }) as Array<[string, Tree]>) {
      const fp = catalogue.fpError as Tree;
      const printer = catalogue.printError as Tree;
      for (const code of fpCodes) expect(fp[code], `${lang} fpError.${code}`).toEqual(expect.any(String));
      for (const code of printerCodes) expect(printer[code], `${lang} printError.${code}`).toEqual(expect.any(String));
    }
  });

  it('carries no internal suffix in any officer-facing string', () => {
    const internal = /\((?:[a-z]+(?:-[a-z]+)+|port closed[^)]*|[a-z ]*: [a-z ]+)\)/;
    // The check catches what officers used to read.
    expect(internal.test('The fingerprint reader did not answer. Check that it is connected. (ack-timeout)')).toBe(true);
    expect(internal.test('The passport reader is not ready (port closed: bad file descriptor).')).toBe(true);
    for (const [lang, catalogue] of Object.entries({ en, sn, nd })) {
      expect(strings(catalogue as Tree).filter((s) => internal.test(s)), lang).toEqual([]);
    }
  });

  it('words a device code from the catalogue, never from the device message, and falls back by device', async () => {
    for (const lng of ['en', 'sn', 'nd'] as const) {
      await setLanguage(lng);
      const catalogue = { en, sn, nd }[lng] as Tree;
      expect(deviceFaultText('FP_ACK_TIMEOUT')).toBe((catalogue.fpError as Tree).FP_ACK_TIMEOUT);
      expect(deviceFaultText('FP_SOMETHING_NEW')).toBe((catalogue.fpError as Tree).other);
      expect(deviceFaultText('PRINTER_SOMETHING_NEW')).toBe(((catalogue.deviceAdvice as Tree).printer as Tree).error);
      expect(deviceFaultText('TRANSPORT_CLOSED')).toBe((catalogue.error as Tree).DEVICE_NOT_CONNECTED);
      expect(deviceFaultText('STORE_DISK_FULL')).toBeNull();
    }
    await setLanguage('en');
  });
});
