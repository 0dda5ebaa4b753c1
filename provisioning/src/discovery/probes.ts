/**
 * Asking a serial port what is on it, in each device's own protocol:
 * - busy: the port is opened with an exclusive lock first (as the appliance opens it); a port another
 *   process holds (the running appliance) is reported busy, never as "no answer".
 * - ESC/POS printer: real-time status `DLE EOT 1` then `DLE EOT 2` (10 04 n). A printer answers each with
 *   exactly ONE byte of the fixed pattern 0xx1xx10 (Epson ESC/POS reference: bits 1 and 4 set, 0 and 7
 *   clear) and nothing else. A port that answers more bytes (a device streaming data, an echo, noise) is
 *   not a printer. Asked first: harmless to the others (a ZFM module's parser drops bytes without its
 *   EF 01 header; an MRZ reader only talks).
 * - ZFM/R30x fingerprint module: VfyPwd + ReadSysPara through the real driver, at every standard rate
 *   9600 × N (N = 1…12; the driver's own rate probe, firmware-bridge zfm-driver.ts), never changing the
 *   module's rate; an acknowledge, even "wrong password", means a module is there.
 * - MRZ reader: says nothing until a document is read, so it cannot be probed: it is recognised by its
 *   USB id, or named by the technician (--mrz PATH).
 * Each probe opens the port, asks with a named timeout, and always closes it.
 */
import { SerialPort } from 'serialport';
import { isApplianceError } from '@lmc/core/errors.ts';
import type { Logger } from '@lmc/core/logger.ts';
import { SerialTransport } from '@lmc/firmware-bridge/transport/serial-transport.ts';
import { ZFM_STANDARD_BAUD_RATES, ZfmDriver } from '@lmc/firmware-bridge/zfm/zfm-driver.ts';

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
export const ZFM_PROBE_BAUDS = ZFM_STANDARD_BAUD_RATES;

/** Whether another process holds the port (exclusive lock, TIOCEXCL/flock), as the running appliance does. */
export async function isPortBusy(path: string): Promise<{ busy: boolean; reason?: string }> {
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false, lock: true });
  const err = await new Promise<Error | null>((resolve) => port.open((e) => resolve(e ?? null)));
  if (!err) {
    await new Promise<void>((resolve) => port.close(() => resolve()));
    return { busy: false };
  }
  const m = err.message;
  if (/lock|EBUSY|busy|EAGAIN|temporarily unavailable/i.test(m)) return { busy: true, reason: m };
  return { busy: false, reason: m };
}

/** A status byte of DLE EOT n: bits 1 and 4 set, bits 0 and 7 clear. */
export const isStatusByte = (b: number): boolean => (b & 0x93) === 0x12;

export async function probeEscPos(path: string, baudRate: number, o: ProbeOptions): Promise<ProbeHit | undefined> {
  const timeoutMs = o.timeoutMs ?? 500;
  const t = new SerialTransport({ path, baudRate, pathCheckMs: 0 });
  let received: number[] = [];
  const onData = (chunk: Buffer) => received.push(...chunk);
  try {
    await t.open();
    t.on('data', onData);
    const answers: number[] = [];
    for (const n of [1, 2]) {
      received = [];
      await t.write(Uint8Array.of(0x10, 0x04, n));
      await new Promise((r) => setTimeout(r, timeoutMs));
      // Exactly one byte per request, of the status pattern: anything else is not an ESC/POS printer.
      if (received.length !== 1 || !isStatusByte(received[0] as number)) {
        o.logger.debug({ path, baudRate, n, bytes: received.length }, 'no single ESC/POS status byte');
        return undefined;
      }
      answers.push(received[0] as number);
    }
    const [printer = 0, offline = 0] = answers;
    return {
      kind: 'printer',
      baudRate,
      details: { online: (printer & 0x08) === 0, coverOpen: (offline & 0x04) !== 0, paperFeedButton: (offline & 0x08) !== 0, statusBytes: answers },
    };
  } catch (err) {
    o.logger.debug({ path, baudRate, code: isApplianceError(err) ? err.code : undefined }, 'ESC/POS probe failed');
    return undefined;
  } finally {
    t.off('data', onData);
    await t.close().catch(() => undefined);
  }
}

export async function probeZfm(path: string, o: ProbeOptions): Promise<ProbeHit | undefined> {
  const driver = new ZfmDriver({
    transportFactory: (opts) => new SerialTransport({ path, baudRate: opts?.baudRate ?? 57600 }),
    baudRate: 57600,
    probeBaudRates: true,
    probeAckMs: o.timeoutMs ?? 400,
    // Discovery never changes the module's line speed.
    targetBaudRate: 0,
    timeouts: { ackMs: o.timeoutMs ?? 500 },
    logger: o.logger,
  });
  try {
    await driver.open();
    const info = driver.info();
    const baudRate = Number(info.details.baudRate ?? 57600);
    return { kind: 'fingerprint', baudRate, details: { family: info.family, ...info.details } };
  } catch (err) {
    // A module with a password set still answers VfyPwd with an acknowledge: it is there.
    if (isApplianceError(err, 'FP_WRONG_PASSWORD')) return { kind: 'fingerprint', baudRate: 57600, details: { family: 'zfm', passwordProtected: true } };
    o.logger.debug({ path, code: isApplianceError(err) ? err.code : undefined }, 'no ZFM answer');
    return undefined;
  } finally {
    await driver.close().catch(() => undefined);
  }
}

/** Printer first, then fingerprint module (every standard rate); undefined when nothing answered. */
export async function probePort(path: string, o: ProbeOptions): Promise<ProbeHit | undefined> {
  for (const baud of PRINTER_PROBE_BAUDS) {
    const hit = await probeEscPos(path, baud, o);
    if (hit) return hit;
  }
  return probeZfm(path, o);
}
