import { describe, expect, it, onTestFinished } from 'vitest';
import { until } from '@lmc/core/wait-test-support.ts';
import { EventBus } from '../events/event-bus.ts';
import { busRecordingDeviceStates } from '../events/test-support.ts';
import { FingerprintFeature } from './fingerprint-feature.ts';

const FAST_BAUD = 240 * 9600;

describe('FingerprintFeature', () => {
  it('opens the simulated module over a real pty, and reopens it by path after an unplug', async () => {
    const { bus, states } = busRecordingDeviceStates();
    const feature = new FingerprintFeature({ config: { transport: 'simulator', baudRate: FAST_BAUD }, bus, reconnect: { minMs: 20, maxMs: 100 } });
    onTestFinished(() => feature.stop());
    await feature.start();
    expect(feature.state).toMatchObject({ device: 'fingerprint', state: 'connected', simulated: true });
    expect(feature.reader?.info()).toMatchObject({ family: 'zfm', templateFormat: 'zfm-r30x' });
    const sim = feature.simulator!;
    expect(feature.state.transportId).toBe(`simulator:${sim.devicePath}`);

    await sim.unplug();
    await until('disconnected', () => feature.state.state === 'disconnected');
    expect(feature.reader).toBeUndefined();
    // Reopen attempts fail against the vanished path until the module is back.
    await new Promise((r) => setTimeout(r, 150));
    expect(feature.state.state).toBe('disconnected');
    await sim.replug();
    await until('reconnected', () => feature.state.state === 'connected');
    expect(states.map((s) => s.state)).toEqual(['connected', 'disconnected', 'connected']);

    // The reopened reader works: a capture over the new pty.
    sim.placeFinger('after-replug', 'right-index');
    const { template } = await feature.reader!.capture();
    expect(template.length).toBe(512);
  });

  it('shows a module that dies with its port open as unresponsive (DEVICE_UNRESPONSIVE), and connected again when it answers', async () => {
    const { bus, states } = busRecordingDeviceStates();
    const feature = new FingerprintFeature({
      config: { transport: 'simulator', baudRate: FAST_BAUD },
      bus,
      liveness: { everyMs: 100, failuresBeforeUnresponsive: 2 },
    });
    onTestFinished(() => feature.stop());
    await feature.start();
    const sim = feature.simulator!;
    sim.setSilent(true);
    await until('unresponsive', () => feature.state.state === 'unresponsive');
    expect(feature.state.code).toBe('DEVICE_UNRESPONSIVE');
    expect(feature.reader).toBeUndefined();
    sim.setSilent(false);
    await until('connected again', () => feature.state.state === 'connected');
    expect(states.map((s) => s.state)).toEqual(['connected', 'unresponsive', 'connected']);
    sim.placeFinger('back', 'right-index');
    expect((await feature.reader!.capture()).template.length).toBe(512);
  });

  it('fails a capture whose reader is unplugged mid-upload with a coded error, then captures a whole image after the replug', async () => {
    const bus = new EventBus();
    const states: string[] = [];
    bus.subscribe('device.state', (s) => states.push(s.state));
    // 460800 baud: the 40,044-byte image upload takes ~0.9 s on the wire, a window wide enough to pull the cable in.
    const feature = new FingerprintFeature({ config: { transport: 'simulator', baudRate: 48 * 9600 }, bus, reconnect: { minMs: 20, maxMs: 100 } });
    onTestFinished(() => feature.stop());
    await feature.start();
    const sim = feature.simulator!;
    const reader = feature.reader!;
    sim.placeFinger('unplugged-mid-upload', 'right-index');
    const capture = reader.capture().then(
      () => undefined,
      (err: unknown) => err as { code?: string; message?: string },
    );
    await until('UpImage under way', () => sim.received.includes('UpImage'), 5000);
    await new Promise((r) => setTimeout(r, 100)); // some data packets are through, the rest are not
    await sim.unplug();
    const err = await capture;
    expect(err?.code).toMatch(/^(FP_IMAGE_TRANSFER|DEVICE_NOT_CONNECTED)$/);
    await until(`disconnected (the capture ended with ${err?.code}; states so far: ${states.join(', ')})`, () => feature.state.state === 'disconnected');
    expect(feature.reader).toBeUndefined();

    await sim.replug();
    await until('reconnected', () => feature.state.state === 'connected');
    expect(states).toEqual(['connected', 'disconnected', 'connected']);
    // Finger state survived the replug; the next capture is whole, not the remains of the cut one.
    const { image, template } = await feature.reader!.capture();
    expect(image.pixels.length).toBe(256 * 288);
    expect([image.width, image.height]).toEqual([256, 288]);
    expect(template.length).toBe(512);
    expect(sim.received.slice(-4)).toEqual(['GenImg', 'UpImage', 'Img2Tz', 'UpChar']);
  });

  it('is absent when no reader is configured, and offers no reader or simulator', async () => {
    const { bus, states } = busRecordingDeviceStates();
    const feature = new FingerprintFeature({ config: { transport: 'none' }, bus });
    onTestFinished(() => feature.stop());
    await feature.start();
    expect(states).toEqual([expect.objectContaining({ device: 'fingerprint', state: 'absent', simulated: false })]);
    expect(feature.reader).toBeUndefined();
    expect(feature.simulator).toBeUndefined();
  });

  it('reports a configured port that is not there as error and keeps retrying', async () => {
    const bus = new EventBus();
    const feature = new FingerprintFeature({
      config: { transport: 'serial', path: '/dev/serial/by-id/usb-no-such-reader', baudRate: 57600 },
      bus,
      reconnect: { minMs: 20, maxMs: 40 },
    });
    onTestFinished(() => feature.stop());
    await feature.start();
    expect(feature.state).toMatchObject({ state: 'error', transportId: '/dev/serial/by-id/usb-no-such-reader' });
    expect(feature.reader).toBeUndefined();
  });
});
