import type { Logger } from '@lmc/core/logger.ts';
import type { DeviceKind, DeviceStateEvent, EventBus } from '../events/event-bus.ts';

/**
 * A device's state before its feature has started: 'absent' when configured as transport 'none', otherwise
 * 'connecting'. `transportId` names the port for the technician's log (a serial device's path by default).
 */
export function initialDeviceState(
  device: DeviceKind,
  config: { readonly transport: string; readonly path?: string },
  at: Date,
  transportId: string = config.transport === 'serial' && config.path !== undefined ? config.path : config.transport,
): DeviceStateEvent {
  return {
    device,
    state: config.transport === 'none' ? 'absent' : 'connecting',
    simulated: config.transport === 'simulator',
    transportId,
    at: at.toISOString(),
  };
}

/** What a feature changes of its device's state: the state, with the reason and code of this state (or none). */
export type DeviceStateChange = Pick<DeviceStateEvent, 'state'> & { reason?: string; code?: string };

/**
 * The device's next state after `change` (the old reason and code do not carry over), stamped `at`; undefined when
 * state, reason and code are all as before, so that nothing is published again.
 */
export function changedDeviceState(current: DeviceStateEvent, change: DeviceStateChange, at: Date): DeviceStateEvent | undefined {
  const { reason: _old, code: _oldCode, ...rest } = current;
  const next = { ...rest, ...change, at: at.toISOString() };
  if (next.state === current.state && next.reason === current.reason && next.code === current.code) return undefined;
  return next;
}

/**
 * Starts a device's feature. A device that cannot start (no socat for the simulator, a missing port) is logged and
 * shown as state 'error' with the failure's reason and code; the rest of the appliance goes on without it.
 */
export async function startDeviceFeature(
  feature: { start(): Promise<void>; readonly state: DeviceStateEvent },
  bus: EventBus,
  log: Logger,
  what: string,
): Promise<void> {
  try {
    await feature.start();
  } catch (err) {
    const code = (err as { code?: string }).code;
    log.error({ code, message: (err as Error).message }, `${what} did not start`);
    bus.publish('device.state', { ...feature.state, state: 'error', reason: (err as Error).message, ...(code ? { code } : {}), at: new Date().toISOString() });
  }
}
