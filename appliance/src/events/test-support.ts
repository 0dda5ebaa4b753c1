import { type DeviceStateEvent, EventBus } from './event-bus.ts';

/** A fresh bus and every `device.state` event published on it, in order (for the device feature tests). */
export function busRecordingDeviceStates(): { bus: EventBus; states: DeviceStateEvent[] } {
  const bus = new EventBus();
  const states: DeviceStateEvent[] = [];
  bus.subscribe('device.state', (s) => states.push(s));
  return { bus, states };
}
