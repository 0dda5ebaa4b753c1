import { afterEach, describe, expect, it } from 'vitest';
import { type DeviceStateEvent, EventBus } from '../events/event-bus.ts';
import { FingerprintFeature } from './fingerprint-feature.ts';

const FAST_BAUD = 240 * 9600;

async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('FingerprintFeature', () => {
  let feature: FingerprintFeature | undefined;
  afterEach(async () => {
    await feature?.stop();
    feature = undefined;
  });

  it('opens the simulated module over a real pty, and reopens it by path after an unplug', async () => {
    const bus = new EventBus();
    const states: DeviceStateEvent[] = [];
    bus.subscribe('device.state', (s) => states.push(s));
    feature = new FingerprintFeature({ config: { transport: 'simulator', baudRate: FAST_BAUD }, bus, reconnect: { minMs: 20, maxMs: 100 } });
    await feature.start();
    expect(feature.state).toMatchObject({ device: 'fingerprint', state: 'connected', simulated: true });
    expect(feature.reader?.info()).toMatchObject({ family: 'zfm', templateFormat: 'zfm-r30x' });
    const sim = feature.simulator!;
    expect(feature.state.transportId).toBe(`simulator:${sim.devicePath}`);

    await sim.unplug();
    await until('disconnected', () => feature?.state.state === 'disconnected');
    expect(feature.reader).toBeUndefined();
    // Reopen attempts fail against the vanished path until the module is back.
    await new Promise((r) => setTimeout(r, 150));
    expect(feature.state.state).toBe('disconnected');
    await sim.replug();
    await until('reconnected', () => feature?.state.state === 'connected');
    expect(states.map((s) => s.state)).toEqual(['connected', 'disconnected', 'connected']);

    // The reopened reader works: a capture over the new pty.
    sim.placeFinger('after-replug', 'right-index');
    const { template } = await feature.reader!.capture();
    expect(template.length).toBe(512);
  });

  it('is absent when no reader is configured, and offers no reader or simulator', async () => {
    const bus = new EventBus();
    const states: DeviceStateEvent[] = [];
    bus.subscribe('device.state', (s) => states.push(s));
    feature = new FingerprintFeature({ config: { transport: 'none' }, bus });
    await feature.start();
    expect(states).toEqual([expect.objectContaining({ device: 'fingerprint', state: 'absent', simulated: false })]);
    expect(feature.reader).toBeUndefined();
    expect(feature.simulator).toBeUndefined();
  });

  it('reports a configured port that is not there as error and keeps retrying', async () => {
    const bus = new EventBus();
    feature = new FingerprintFeature({
      config: { transport: 'serial', path: '/dev/serial/by-id/usb-no-such-reader', baudRate: 57600 },
      bus,
      reconnect: { minMs: 20, maxMs: 40 },
    });
    await feature.start();
    expect(feature.state).toMatchObject({ state: 'error', transportId: '/dev/serial/by-id/usb-no-such-reader' });
    expect(feature.reader).toBeUndefined();
  });
});
