import { describe, expect, it } from 'vitest';
import { isApplianceError } from '../errors.ts';
import { ManualClock } from '../transport/device-clock.ts';
import { MemoryLine } from '../transport/memory-port.ts';
import { ZfmDriver } from '../zfm/zfm-driver.ts';
import { ZfmSimulator } from '../zfm/zfm-simulator.ts';
import { DeviceHost, type DeviceHostState, type HostedDevice } from './device-host.ts';

/** The ZFM module as a hosted device, on an in-memory line with a manual clock. */
function zfmRig() {
  const clock = new ManualClock();
  const line = new MemoryLine('mem:zfm', 57_600);
  const simulator = new ZfmSimulator({ transport: line.device, baudRate: 57_600, clock });
  const device: HostedDevice<ZfmDriver> = {
    async open() {
      const d = new ZfmDriver({ transportFactory: line.factory, clock, targetBaudRate: 0, probeBaudRates: false });
      await d.open();
      return d;
    },
    close: (d) => d.close(),
    watch(d, lost) {
      const onState = (s: string) => s === 'closed' && lost('port closed');
      d.on('state', onState);
      return () => d.off('state', onState);
    },
    probe: (d) => d.probe(500),
  };
  const host = new DeviceHost({ name: 'fingerprint', device, clock, reconnect: { minMs: 100, maxMs: 400 }, liveness: { everyMs: 1000, failuresBeforeUnresponsive: 2 } });
  const states: DeviceHostState[] = [];
  host.on('state', (e) => states.push(e.state));
  return { clock, line, simulator, host, states };
}

async function run<T>(clock: ManualClock, p: Promise<T>, maxMs = 20_000): Promise<T> {
  let done = false;
  const watched = p.finally(() => {
    done = true;
  });
  watched.catch(() => {});
  await clock.advanceUntil(() => done, maxMs, 5);
  return watched;
}

describe('DeviceHost', () => {
  it('a module that dies with its port open becomes unresponsive (officers see it) and connected again when it answers', async () => {
    const r = zfmRig();
    await r.simulator.start();
    await run(r.clock, r.host.start());
    expect(r.host.state).toBe('connected');
    r.simulator.setSilent(true);
    await r.clock.advanceUntil(() => r.host.state === 'unresponsive', 10_000, 10);
    expect(r.host.stateEvent).toMatchObject({ state: 'unresponsive', code: 'DEVICE_UNRESPONSIVE' });
    r.simulator.setSilent(false);
    await r.clock.advanceUntil(() => r.host.state === 'connected', 10_000, 10);
    expect(r.states).toEqual(['connecting', 'connected', 'unresponsive', 'connected']);
    await r.host.stop();
  });

  it('port lost → disconnected, reopened by path with backoff after the replug', async () => {
    const r = zfmRig();
    await r.simulator.start();
    await run(r.clock, r.host.start());
    r.line.unplug();
    await r.clock.advance(1);
    expect(r.host.stateEvent).toMatchObject({ state: 'disconnected', code: 'DEVICE_NOT_CONNECTED' });
    await r.clock.advance(2_000);
    const attempts = r.line.opens;
    expect(attempts).toBeGreaterThan(2);
    expect(r.host.state).toBe('disconnected');
    r.line.replug();
    await r.clock.advanceUntil(() => r.host.state === 'connected', 5_000, 10);
    expect(r.states).toEqual(['connecting', 'connected', 'disconnected', 'connected']);
    await r.host.stop();
    expect(r.clock.pendingTimers).toBe(0);
  });

  it('use() runs one job at a time, shows busy, fails DEVICE_NOT_CONNECTED without a device and DEVICE_BUSY after its wait', async () => {
    const r = zfmRig();
    await r.simulator.start();
    await run(r.clock, r.host.start());
    let release: () => void = () => {};
    const first = r.host.use(() => new Promise<string>((resolve) => (release = () => resolve('one'))));
    const second = r.host.use(async () => 'two', { waitMs: 100 });
    await r.clock.advance(1);
    expect(r.host.state).toBe('busy');
    await r.clock.advance(200);
    expect(isApplianceError(await second.catch((e: unknown) => e), 'DEVICE_BUSY')).toBe(true);
    release();
    expect(await first).toBe('one');
    await r.clock.advance(1);
    expect(r.host.state).toBe('connected');
    r.line.unplug();
    await r.clock.advance(1);
    expect(isApplianceError(await r.host.use(async () => 1).catch((e: unknown) => e), 'DEVICE_NOT_CONNECTED')).toBe(true);
    await r.host.stop();
  });

  it('a throwing state listener does not stop the others or the host', async () => {
    const r = zfmRig();
    const seen: string[] = [];
    r.host.on('state', () => {
      throw new Error('listener bug');
    });
    r.host.on('state', (e) => seen.push(e.state));
    await r.simulator.start();
    await run(r.clock, r.host.start());
    expect(seen).toEqual(['connecting', 'connected']);
    expect(r.host.state).toBe('connected');
    await r.host.stop();
  });

  it('transport none: absent', async () => {
    const host = new DeviceHost({ name: 'printer', device: undefined });
    await host.start();
    expect(host.stateEvent).toMatchObject({ state: 'absent', code: 'DEVICE_NOT_CONFIGURED' });
  });
});
