/**
 * Asking a serial port what is on it, in each device's own protocol, through the real drivers (so a
 * probe speaks exactly the bytes the appliance will):
 * - ESC/POS printer: `DLE EOT 1` real-time status (10 04 01); a printer answers one byte 0xx1xx10
 *   at once, even offline (Epson ESC/POS reference). Asked first: it is harmless to the others (a ZFM
 *   module's parser drops bytes without its EF 01 header; an MRZ reader only talks).
 * - ZFM/R30x fingerprint module: VfyPwd then ReadSysPara at 57600 baud (datasheet default); an
 *   acknowledge packet, even "wrong password" (13), means a module is there.
 * - MRZ reader: says nothing until a document is read, so it cannot be probed; it is recognised by its
 *   USB id or, last, by elimination (see assign.ts).
 * Each probe opens the port, asks once with a named timeout, and always closes it.
 */
import { isApplianceError } from '@lmc/core/errors.ts';
import type { Logger } from '@lmc/core/logger.ts';
import { EscPosPrinterDriver } from '@lmc/firmware-bridge/escpos/escpos-printer-driver.ts';
import { SerialTransport } from '@lmc/firmware-bridge/transport/serial-transport.ts';
import { ZfmDriver } from '@lmc/firmware-bridge/zfm/zfm-driver.ts';

export interface ProbeHit {
  kind: 'printer' | 'fingerprint';
  baudRate: number;
  details: Record<string, unknown>;
}

export interface ProbeOptions {
  /** Per request. Default 500 ms. */
  timeoutMs?: number;
  logger: Logger;
}

export const PRINTER_PROBE_BAUDS = [115200, 9600] as const;
export const ZFM_PROBE_BAUDS = [57600] as const;

export async function probeEscPos(path: string, baudRate: number, o: ProbeOptions): Promise<ProbeHit | undefined> {
  const driver = new EscPosPrinterDriver({
    transportFactory: () => new SerialTransport({ path, baudRate }),
    paperWidth: 80,
    autoStatusBack: false,
    statusTimeoutMs: o.timeoutMs ?? 500,
    logger: o.logger,
  });
  try {
    await driver.open();
    const status = await driver.status();
    return { kind: 'printer', baudRate, details: { online: status.online, paperEnd: status.paperEnd, paperNearEnd: status.paperNearEnd, coverOpen: status.coverOpen } };
  } catch (err) {
    o.logger.debug({ path, baudRate, code: isApplianceError(err) ? err.code : undefined }, 'no ESC/POS answer');
    return undefined;
  } finally {
    await driver.close().catch(() => undefined);
  }
}

export async function probeZfm(path: string, baudRate: number, o: ProbeOptions): Promise<ProbeHit | undefined> {
  const driver = new ZfmDriver({
    transportFactory: () => new SerialTransport({ path, baudRate }),
    baudRate,
    timeouts: { ackMs: o.timeoutMs ?? 500 },
    logger: o.logger,
  });
  try {
    await driver.open();
    const info = driver.info();
    return { kind: 'fingerprint', baudRate, details: { family: info.family, ...info.details } };
  } catch (err) {
    // A module with a password set still answers VfyPwd with an acknowledge: it is there.
    if (isApplianceError(err, 'FP_WRONG_PASSWORD')) return { kind: 'fingerprint', baudRate, details: { family: 'zfm', passwordProtected: true } };
    o.logger.debug({ path, baudRate, code: isApplianceError(err) ? err.code : undefined }, 'no ZFM answer');
    return undefined;
  } finally {
    await driver.close().catch(() => undefined);
  }
}

/** Printer first, then fingerprint module; undefined when nothing answered. */
export async function probePort(path: string, o: ProbeOptions): Promise<ProbeHit | undefined> {
  for (const baud of PRINTER_PROBE_BAUDS) {
    const hit = await probeEscPos(path, baud, o);
    if (hit) return hit;
  }
  for (const baud of ZFM_PROBE_BAUDS) {
    const hit = await probeZfm(path, baud, o);
    if (hit) return hit;
  }
  return undefined;
}
