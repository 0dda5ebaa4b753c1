import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isApplianceError } from '@lmc/core/errors.ts';
import { loadConfig, parseConfig } from './load-config.ts';

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isApplianceError(err, 'CONFIG_INVALID')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected a CONFIG_INVALID error');
}

describe('appliance configuration', () => {
  it('defaults to a simulated MRZ reader on 127.0.0.1:8080 with data under ./data when no file exists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const { config, source } = loadConfig({}, dir);
    expect(source).toContain('defaults');
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8080, allowedHosts: [] });
    expect(config.dataDir).toBe('./data');
    expect(config.devices.mrz).toEqual({ transport: 'simulator', baudRate: 9600, framing: 'auto' });
  });

  it('applies PORT, HOST, APPLIANCE_DATA_DIR and APPLIANCE_OFFICE_CODE over the file', () => {
    const { config } = parseConfig(
      { version: 1, server: { port: 9000 } },
      { PORT: '8181', HOST: '0.0.0.0', APPLIANCE_DATA_DIR: '/var/lib/appliance', APPLIANCE_OFFICE_CODE: 'CHR' },
    );
    expect(config.server).toEqual({ host: '0.0.0.0', port: 8181, allowedHosts: [] });
    expect(config.dataDir).toBe('/var/lib/appliance');
    expect(config.office.code).toBe('CHR');
  });

  it('accepts a serial reader with defaults filled in and a HID reader with hex ids', () => {
    const serial = parseConfig({ version: 1, devices: { mrz: { transport: 'serial', path: '/dev/ttyUSB0' } } }).config;
    expect(serial.devices.mrz).toEqual({ transport: 'serial', path: '/dev/ttyUSB0', baudRate: 9600, framing: 'auto', interByteTimeoutMs: 100 });
    const hid = parseConfig({ version: 1, devices: { mrz: { transport: 'hid', vendorId: '0DB5', productId: '0x0100' } } }).config;
    expect(hid.devices.mrz).toMatchObject({ transport: 'hid', vendorId: '0DB5', productId: '0x0100', mode: 'pos' });
  });

  it('takes each chip transport with its own defaults: none as given, pcsc by reader name', () => {
    expect(parseConfig({ version: 1, devices: { chip: { transport: 'none' } } }).config.devices.chip).toEqual({ transport: 'none' });
    expect(parseConfig({ version: 1, devices: { chip: { transport: 'pcsc', reader: 'DESKO' } } }).config.devices.chip).toMatchObject({
      transport: 'pcsc',
      reader: 'DESKO',
      cardWaitMs: 1500,
    });
    expect(() => parseConfig({ version: 1, devices: { chip: { transport: 'pcsc' } } })).toThrow(/devices\.chip\.reader/);
  });

  it('names the key and the expectation when a value is wrong', () => {
    expect(configError(() => parseConfig({ version: 1, server: { port: 'eighty' } }))).toMatch(/server\.port/);
    expect(configError(() => parseConfig({ version: 1, office: { code: 'beit bridge' } }))).toMatch(/office\.code/);
    expect(configError(() => parseConfig({ version: 1, devices: { mrz: { transport: 'serial', baudRate: 9600 } } }))).toMatch(
      /devices\.mrz/,
    );
    expect(configError(() => parseConfig({ version: 1, unknownKey: true }))).toMatch(/unknownKey|additional/i);
    expect(configError(() => parseConfig([]))).toMatch(/JSON object/);
  });

  it('rejects an unreadable or malformed file with the path in the message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'appliance.config.json'), '{ "version": 1, ');
    expect(configError(() => loadConfig({}, dir))).toMatch(/not valid JSON/);
    expect(configError(() => loadConfig({ APPLIANCE_CONFIG: join(dir, 'missing.json') }, dir))).toMatch(/missing\.json/);
  });

  it('upgrades a version-0 file (mrzReader at top level) and says what changed', () => {
    const { config, notes } = parseConfig({ mrzReader: { transport: 'serial', path: '/dev/ttyACM0', baudRate: 115200 } });
    expect(config.version).toBe(1);
    expect(config.devices.mrz).toMatchObject({ transport: 'serial', path: '/dev/ttyACM0', baudRate: 115200 });
    expect(notes).toEqual(['v0→v1: moved mrzReader to devices.mrz']);
  });

  it('refuses a config from a newer appliance version instead of guessing', () => {
    expect(configError(() => parseConfig({ version: 7 }))).toMatch(/version/);
  });
});
