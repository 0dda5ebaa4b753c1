import { describe, expect, it } from 'vitest';
import { EventBus } from './event-bus.ts';

const state = (device: 'mrz' | 'printer') => ({ device, state: 'connected' as const, simulated: true, transportId: 'x', at: '2026-11-29T00:00:00.000Z' });

describe('event bus', () => {
  it('isolates listeners: one that throws is reported, the publisher and the others carry on', () => {
    const errors: string[] = [];
    const bus = new EventBus({ onListenerError: (event, err) => errors.push(`${event}: ${(err as Error).message}`) });
    const seen: string[] = [];
    bus.subscribe('device.state', () => seen.push('first'));
    bus.subscribe('device.state', () => {
      throw new Error('gateway closed');
    });
    bus.subscribe('device.state', (e) => seen.push(`third ${e.device}`));
    expect(() => bus.publish('device.state', state('mrz'))).not.toThrow();
    expect(seen).toEqual(['first', 'third mrz']);
    expect(errors).toEqual(['device.state: gateway closed']);
  });

  it("drops a module's listeners together at its stop and keeps the others", () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe('device.state', () => seen.push('printing'), 'printing');
    bus.subscribe('printer.job', () => seen.push('printing job'), 'printing');
    bus.subscribe('device.state', () => seen.push('gateway'), 'gateway');
    bus.dropOwner('printing');
    bus.publish('device.state', state('printer'));
    expect(seen).toEqual(['gateway']);
    expect(bus.listenerCount('printer.job')).toBe(0);
  });

  it('lets a listener unsubscribe itself while an event is being delivered', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const off = bus.subscribe('device.state', () => {
      seen.push('once');
      off();
    });
    bus.subscribe('device.state', () => seen.push('always'));
    bus.publish('device.state', state('mrz'));
    bus.publish('device.state', state('mrz'));
    expect(seen).toEqual(['once', 'always', 'always']);
  });
});
