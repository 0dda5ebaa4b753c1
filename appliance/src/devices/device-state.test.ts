import { describe, expect, it } from 'vitest';
import { createLogger } from '@lmc/core/logger.ts';
import { busRecordingDeviceStates } from '../events/test-support.ts';
import { changedDeviceState, initialDeviceState, startDeviceFeature } from './device-state.ts';

describe('initialDeviceState', () => {
  const at = new Date('2026-11-29T10:00:00Z');
  it('is absent for transport none, connecting otherwise; a serial device is named by its path', () => {
    expect(initialDeviceState('printer', { transport: 'none' }, at)).toEqual({ device: 'printer', state: 'absent', simulated: false, transportId: 'none', at: '2026-11-29T10:00:00.000Z' });
    expect(initialDeviceState('fingerprint', { transport: 'simulator' }, at)).toMatchObject({ state: 'connecting', simulated: true, transportId: 'simulator' });
    expect(initialDeviceState('fingerprint', { transport: 'serial', path: '/dev/ttyUSB0' }, at)).toMatchObject({ state: 'connecting', simulated: false, transportId: '/dev/ttyUSB0' });
    expect(initialDeviceState('mrz', { transport: 'hid' }, at, 'hid:1234:5678').transportId).toBe('hid:1234:5678');
  });
});

describe('changedDeviceState', () => {
  const at = new Date('2026-11-29T10:00:00Z');
  const later = new Date('2026-11-29T10:00:05Z');
  const connected = { ...initialDeviceState('printer', { transport: 'simulator' }, at), state: 'connected' as const };
  it('is undefined when state, reason and code are as before (only the time would change)', () => {
    expect(changedDeviceState(connected, { state: 'connected' }, later)).toBeUndefined();
    const low = { ...connected, reason: 'paper near end', code: 'PRINTER_PAPER_NEAR_END' };
    expect(changedDeviceState(low, { state: 'connected', reason: 'paper near end', code: 'PRINTER_PAPER_NEAR_END' }, later)).toBeUndefined();
  });
  it('takes the new state, reason and code, drops the old reason and code, and keeps the device fields', () => {
    const failed = changedDeviceState(connected, { state: 'error', reason: 'cover open', code: 'PRINTER_COVER_OPEN' }, later);
    expect(failed).toEqual({ device: 'printer', state: 'error', simulated: true, transportId: 'simulator', reason: 'cover open', code: 'PRINTER_COVER_OPEN', at: '2026-11-29T10:00:05.000Z' });
    const back = changedDeviceState(failed ?? connected, { state: 'connected' }, later);
    expect(back).toEqual({ device: 'printer', state: 'connected', simulated: true, transportId: 'simulator', at: '2026-11-29T10:00:05.000Z' });
    expect(changedDeviceState(connected, { state: 'connected', reason: 'paper near end' }, later)?.reason).toBe('paper near end');
  });
});

describe('startDeviceFeature', () => {
  const state = initialDeviceState('fingerprint', { transport: 'serial', path: '/dev/ttyUSB9' }, new Date('2026-11-29T10:00:00Z'));
  it('shows a device that cannot start as error, with the reason and code, and does not throw', async () => {
    const { bus, states } = busRecordingDeviceStates();
    const failing = { state, start: () => Promise.reject(Object.assign(new Error('no such port'), { code: 'DEVICE_NOT_FOUND' })) };
    await startDeviceFeature(failing, bus, createLogger('test'), 'fingerprint reader');
    expect(states).toEqual([{ ...state, state: 'error', reason: 'no such port', code: 'DEVICE_NOT_FOUND', at: expect.any(String) }]);
  });
  it('publishes nothing of its own when the device starts', async () => {
    const { bus, states } = busRecordingDeviceStates();
    await startDeviceFeature({ state, start: () => Promise.resolve() }, bus, createLogger('test'), 'fingerprint reader');
    expect(states).toEqual([]);
  });
});
