import { describe, expect, it } from 'vitest';
import { initialDeviceState } from './device-state.ts';

describe('initialDeviceState', () => {
  const at = new Date('2026-11-29T10:00:00Z');
  it('is absent for transport none, connecting otherwise; a serial device is named by its path', () => {
    expect(initialDeviceState('printer', { transport: 'none' }, at)).toEqual({ device: 'printer', state: 'absent', simulated: false, transportId: 'none', at: '2026-11-29T10:00:00.000Z' });
    expect(initialDeviceState('fingerprint', { transport: 'simulator' }, at)).toMatchObject({ state: 'connecting', simulated: true, transportId: 'simulator' });
    expect(initialDeviceState('fingerprint', { transport: 'serial', path: '/dev/ttyUSB0' }, at)).toMatchObject({ state: 'connecting', simulated: false, transportId: '/dev/ttyUSB0' });
    expect(initialDeviceState('mrz', { transport: 'hid' }, at, 'hid:1234:5678').transportId).toBe('hid:1234:5678');
  });
});
