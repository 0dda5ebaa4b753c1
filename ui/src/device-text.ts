import { t } from './i18n/i18n.ts';
import type { DeviceKind, DeviceStateEvent } from './types.ts';

/** Printer faults with their own words (the printer's status bits); every other fault is told by device and state. */
const OWN_WORDS = new Set(['PRINTER_PAPER_OUT', 'PRINTER_COVER_OPEN', 'PRINTER_OFFLINE', 'PRINTER_TIMEOUT', 'PRINTER_PAPER_NEAR_END']);

/** The device event's code, when the appliance sent one (device:state `code`). */
export const deviceCode = (device: DeviceStateEvent | undefined): string | undefined => (device as { code?: string } | undefined)?.code;

/** The printer works but its roll is nearly used up: shown on the chip and at review, before it runs out mid-receipt. */
export const paperLow = (device: DeviceStateEvent | undefined): boolean => device?.state === 'connected' && deviceCode(device) === 'PRINTER_PAPER_NEAR_END';

/**
 * What the officer reads about a device that is not simply ready, in the screen's language: from the event's code
 * when it has words of its own, otherwise from the device and its state. The device's own `reason` (English, for the
 * technician's log: "port closed: bad file descriptor") is never shown as the message.
 */
export function deviceAdvice(kind: DeviceKind, device: DeviceStateEvent | undefined): string | null {
  if (!device) return t(`deviceAdvice.${kind}.unknown`);
  const code = deviceCode(device);
  if (code && OWN_WORDS.has(code)) return t(`deviceReason.${code}`);
  if (device.state === 'connected' || device.state === 'reading') return null;
  return t(`deviceAdvice.${kind}.${device.state}`, { defaultValue: t(`deviceAdvice.${kind}.error`) });
}

/** The short state word of a chip: "ready", "fault", "paper low"… */
export const deviceStateWord = (device: DeviceStateEvent | undefined): string =>
  paperLow(device) ? t('device.state.paperLow') : t(`device.state.${device?.state ?? 'unknown'}`, { defaultValue: t('device.state.unknown') });

/**
 * A device fault code (FP_*, PRINTER_*, transport) in the officer's words, or null for a code that is not a device's.
 * The device's own message is never the text: it is English and may carry the driver's internal reason.
 */
export function deviceFaultText(code: string): string | null {
  if (code.startsWith('FP_')) return t(`fpError.${code}`, { defaultValue: t('fpError.other') });
  if (code.startsWith('PRINTER_')) return t(`deviceReason.${code}`, { defaultValue: t('deviceAdvice.printer.error') });
  if (/^(TRANSPORT_|PTY_|HID_|FRAME_)/.test(code)) return t('error.DEVICE_NOT_CONNECTED');
  return null;
}
