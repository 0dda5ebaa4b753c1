/**
 * Self-test of each configured device, in turn, through the real drivers: a document read on the MRZ
 * reader, a finger captured on the fingerprint module, a test receipt (appliance id + QR) on the
 * printer. A device configured as `simulator` is started here on a pty pair and the read or finger is
 * triggered by the test itself; a real device waits for the technician (prompted, `waitS` seconds).
 */
import { once } from 'node:events';
import type { ApplianceConfig } from '@lmc/appliance/config/schema.ts';
import type { Logger } from '@lmc/core/logger.ts';
import { decodeQrFromPng } from '@lmc/firmware-bridge/escpos/decode-qr-png.ts';
import { EscPosPrinterDriver } from '@lmc/firmware-bridge/escpos/escpos-printer-driver.ts';
import { EscPosSimulator } from '@lmc/firmware-bridge/escpos/escpos-simulator.ts';
import type { ReceiptDocument } from '@lmc/firmware-bridge/escpos/receipt-document.ts';
import { assessQuality } from '@lmc/firmware-bridge/fingerprint/quality.ts';
import { parseMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import { TD3_SPECIMEN } from '@lmc/firmware-bridge/mrz-reader/icao-specimens.ts';
import { type MrzReadEvent, MrzReaderDriver } from '@lmc/firmware-bridge/mrz-reader/mrz-reader-driver.ts';
import { MrzReaderSimulator } from '@lmc/firmware-bridge/mrz-reader/mrz-reader-simulator.ts';
import { openPtyPair } from '@lmc/firmware-bridge/transport/pty-pair.ts';
import { SerialTransport } from '@lmc/firmware-bridge/transport/serial-transport.ts';
import { ZfmDriver } from '@lmc/firmware-bridge/zfm/zfm-driver.ts';
import { startPtySimulator } from '@lmc/firmware-bridge/zfm/zfm-simulator-pty.ts';
import type { CheckResult } from './check.ts';

export interface DeviceCheckContext {
  config: ApplianceConfig;
  deviceId: string;
  waitS: number;
  logger: Logger;
  prompt: (text: string) => void;
}

type Outcome = Omit<CheckResult, 'name'>;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} within ${Math.round(ms / 1000)} s`), { code: 'SELF_TEST_TIMEOUT' })), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export async function checkMrz(c: DeviceCheckContext): Promise<Outcome> {
  const d = c.config.devices.mrz;
  if (d.transport === 'none') return { ok: null, detail: 'not configured (devices.mrz.transport = none)' };
  if (d.transport === 'hid') return { ok: null, detail: 'HID reader: scan a document in the appliance UI to check it' };
  const sim = d.transport === 'simulator' ? await MrzReaderSimulator.start({ baudRate: d.baudRate, framing: 'cr', logger: c.logger }) : undefined;
  const path = sim ? sim.devicePath : d.transport === 'serial' ? d.path : '';
  const driver = new MrzReaderDriver({
    transportFactory: () => new SerialTransport({ path, baudRate: d.baudRate }),
    framing: d.framing,
    logger: c.logger,
  });
  try {
    const read = once(driver, 'read') as Promise<[MrzReadEvent]>;
    await driver.start();
    if (driver.state !== 'connected') throw Object.assign(new Error(`cannot open the MRZ reader on ${path}`), { code: 'TRANSPORT_OPEN_FAILED' });
    if (sim) void sim.scan(TD3_SPECIMEN);
    else c.prompt(`MRZ reader (${path}): place the test document on the reader (waiting ${c.waitS} s)`);
    const [event] = await withTimeout(read, c.waitS * 1000, 'no document was read');
    const doc = parseMrz(event.lines);
    return {
      ok: doc.valid,
      detail: `${doc.format} read in ${event.byteCount} bytes; check digits ${doc.valid ? 'valid' : 'INVALID'}${sim ? ' (simulated reader)' : ''}`,
      data: { format: doc.format, valid: doc.valid, simulated: sim !== undefined },
    };
  } finally {
    await driver.stop();
    await sim?.close();
  }
}

export async function checkFingerprint(c: DeviceCheckContext): Promise<Outcome> {
  const d = c.config.devices.fingerprint;
  if (d.transport === 'none') return { ok: null, detail: 'not configured (devices.fingerprint.transport = none)' };
  const sim = d.transport === 'simulator' ? await startPtySimulator({ baudRate: d.baudRate, logger: c.logger }) : undefined;
  const path = sim ? sim.devicePath : d.transport === 'serial' ? d.path : '';
  const driver = new ZfmDriver({
    transportFactory: (t) => new SerialTransport({ path, baudRate: t?.baudRate ?? d.baudRate }),
    baudRate: d.baudRate,
    targetBaudRate: 0,
    logger: c.logger,
    ...(d.transport === 'serial' && d.address !== undefined ? { address: d.address } : {}),
    ...(d.transport === 'serial' && d.password !== undefined ? { password: d.password } : {}),
  });
  try {
    await driver.open();
    if (sim) sim.simulator.placeFinger('self-test', 'right-index');
    else c.prompt(`fingerprint reader (${path}): place a finger on the glass (waiting ${c.waitS} s)`);
    await driver.waitForFinger({ timeoutMs: c.waitS * 1000 });
    const capture = await driver.capture();
    const quality = assessQuality(capture.image);
    return {
      ok: capture.template.length > 0,
      detail: `finger captured: ${capture.image.width}×${capture.image.height} image, ${capture.template.length}-byte template, quality ${quality.score}${sim ? ' (simulated module)' : ''}`,
      data: { templateBytes: capture.template.length, quality: quality.score, simulated: sim !== undefined },
    };
  } finally {
    await driver.close().catch(() => undefined);
    await sim?.close();
  }
}

export function selfTestReceipt(deviceId: string, officeCode: string, at: string): { doc: ReceiptDocument; qr: string } {
  const qr = `ZLMC-SELFTEST|${deviceId}|${officeCode}|${at}`;
  return {
    qr,
    doc: {
      blocks: [
        { kind: 'text', text: 'PRINTER SELF-TEST', align: 'center', bold: true, size: 2 },
        { kind: 'text', text: `Appliance ${deviceId}`, align: 'center' },
        { kind: 'text', text: `Office ${officeCode}  ${at}`, align: 'center' },
        { kind: 'qr', data: qr, ecc: 'M', moduleSize: 5 },
        { kind: 'feed', lines: 3 },
        { kind: 'cut' },
      ],
    },
  };
}

export async function checkPrinter(c: DeviceCheckContext): Promise<Outcome> {
  const d = c.config.devices.printer;
  if (d.transport === 'none') return { ok: null, detail: 'not configured (devices.printer.transport = none)' };
  const pair = d.transport === 'simulator' ? await openPtyPair() : undefined;
  const sim = pair ? await EscPosSimulator.onPty(pair.simulatorPath, { paperWidth: d.paperWidth, baudRate: d.baudRate, logger: c.logger }) : undefined;
  const path = pair ? pair.devicePath : d.transport === 'serial' ? d.path : '';
  const driver = new EscPosPrinterDriver({
    transportFactory: () => new SerialTransport({ path, baudRate: d.baudRate }),
    paperWidth: d.paperWidth,
    baudRate: d.baudRate,
    logger: c.logger,
  });
  try {
    await driver.open();
    const { doc, qr } = selfTestReceipt(c.deviceId, c.config.office.code, new Date().toISOString());
    const printed = await driver.print(doc);
    let verified = '';
    if (sim) {
      const png = sim.lastReceiptPng();
      if (!png || decodeQrFromPng(png) !== qr) return { ok: false, detail: 'the simulated printer did not render the test QR' };
      verified = '; QR read back from the simulated receipt';
    }
    return {
      ok: true,
      detail: `test receipt printed (${printed.bytes} bytes${printed.status.paperNearEnd ? ', PAPER NEAR END' : ''})${verified}; check the QR reads ${qr}`,
      data: { bytes: printed.bytes, paperNearEnd: printed.status.paperNearEnd, qr, simulated: sim !== undefined },
    };
  } finally {
    await driver.close().catch(() => undefined);
    await sim?.stop().catch(() => undefined);
    await pair?.close();
  }
}
