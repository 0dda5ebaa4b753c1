import type { DeviceKind, DeviceStateEvent } from '../events/event-bus.ts';

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
