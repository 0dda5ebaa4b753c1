/**
 * Commands the receipt encoder does not produce, written by hand. They are not part of a
 * receipt: they talk to the printer about itself, outside the print stream.
 *
 * - `DLE EOT n` (10 04 n), real-time status transmission, Epson ESC/POS reference: the
 *   printer answers one byte at once, even while offline or with print data queued.
 *   n = 1 printer, 2 offline cause, 3 error cause, 4 roll paper sensor.
 * - `GS a n` (1D 61 n), enable/disable Automatic Status Back: the printer pushes 4 status
 *   bytes whenever a selected status changes (and once when enabled).
 *   n bits: 1 online/offline, 2 error, 3 roll paper sensor (bit 0 drawer, not used here).
 * - `DLE DC4 fn=8` (10 14 08 01 03 14 01 06 02 08), clear buffers: discards data the
 *   printer received but has not printed. Sent after a job failed mid-way, so a retry of
 *   the job does not also print the stale remainder when paper is reloaded.
 */
export type StatusRequest = 1 | 2 | 3 | 4;

export const STATUS_REQUEST_NAMES: Record<StatusRequest, string> = {
  1: 'printer status',
  2: 'offline cause',
  3: 'error cause',
  4: 'roll paper sensor',
};

export function realtimeStatusRequest(n: StatusRequest): Uint8Array {
  return Uint8Array.of(0x10, 0x04, n);
}

export const ASB_ONLINE = 0x02;
export const ASB_ERROR = 0x04;
export const ASB_PAPER = 0x08;

export function automaticStatusBack(flags: number): Uint8Array {
  return Uint8Array.of(0x1d, 0x61, flags & 0xff);
}

export const CLEAR_BUFFERS: Uint8Array = Uint8Array.of(0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08);
