import { declareErrors } from '@lmc/core/errors.ts';

/**
 * Codes of the transports (serial, USB HID, pty pairs) and of devices in general, shared by every
 * reader and printer family. Declared once here with their HTTP status; the appliance's closed set
 * of codes includes them (appliance/src/error-table.ts).
 */
export const DeviceErrors = declareErrors({
  TRANSPORT_OPEN_FAILED: { status: 503 },
  TRANSPORT_CLOSED: { status: 503 },
  TRANSPORT_WRITE_FAILED: { status: 503 },
  /** node-hid (optional dependency) is missing or its native part does not load. */
  HID_UNAVAILABLE: { status: 503 },
  /** socat is missing or gave no pty pair (simulators only). */
  PTY_UNAVAILABLE: { status: 503 },
  /** A device frame too short for the field being read. */
  FRAME_INVALID: { status: 502 },
  DEVICE_NOT_CONNECTED: { status: 503, messageKey: 'error.DEVICE_NOT_CONNECTED' },
  DEVICE_BUSY: { status: 409, messageKey: 'error.DEVICE_BUSY' },
  /** The port is open but the device does not answer its liveness probe (ZFM ReadSysPara, printer DLE EOT 1). */
  DEVICE_UNRESPONSIVE: { status: 503, messageKey: 'error.DEVICE_UNRESPONSIVE' },
  /** No such device on this appliance (devices.<kind>.transport = "none"). */
  DEVICE_NOT_CONFIGURED: { status: 503, messageKey: 'error.DEVICE_NOT_CONFIGURED' },
  /** A device option out of range (start-up only). */
  CONFIG_INVALID: { status: 500 },
  /** A simulated device used after close() (tests and development only). */
  SIMULATOR_CLOSED: { status: 503 },
});

export type DeviceErrorCode = keyof typeof DeviceErrors;

