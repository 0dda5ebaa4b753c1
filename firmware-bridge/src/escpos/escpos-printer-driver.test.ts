import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ApplianceError, isApplianceError } from '@lmc/core/errors.ts';
import { openPtyPair, type PtyPair } from '../transport/pty-pair.ts';
import { SerialTransport } from '../transport/serial-transport.ts';
import { decodeQrFromPng } from './decode-qr-png.ts';
import type { EscPosCommand } from './escpos-command-parser.ts';
import { EscPosPrinterDriver, type PrinterStateEvent } from './escpos-printer-driver.ts';
import { EscPosSimulator } from './escpos-simulator.ts';
import { sampleReceipt } from './sample-receipt.ts';

const BAUD = 115200;
const PAYLOAD = 'ZLMC1:ZLMC-2025-004217:MEUCIQDx3Yf0k8bT2Q9:2025-03-14T09:41Z';

describe('EscPosPrinterDriver against the simulator over a real pty', () => {
  let pair: PtyPair;
  let sim: EscPosSimulator;
  let driver: EscPosPrinterDriver;
  let commands: EscPosCommand[];
  let states: PrinterStateEvent[];

  beforeEach(async () => {
    pair = await openPtyPair();
    sim = await EscPosSimulator.onPty(pair.simulatorPath, { paperWidth: 80, baudRate: BAUD });
    commands = [];
    sim.on('command', (c) => commands.push(c));
    const devicePath = pair.devicePath;
    driver = new EscPosPrinterDriver({
      transportFactory: () => new SerialTransport({ path: devicePath, baudRate: BAUD }),
      paperWidth: 80,
      baudRate: BAUD,
      statusTimeoutMs: 500,
      chunkSize: 256,
    });
    states = [];
    driver.on('state', (e) => states.push(e));
    await driver.open();
  });

  afterEach(async () => {
    await driver.close();
    await sim.stop();
    await pair.close();
  });

  const failure = (p: Promise<unknown>) => p.then(
    () => undefined,
    (e: unknown) => e as ApplianceError,
  );
  const printedSomething = () => commands.some((c) => c.op === 'init' || c.op === 'text');

  it('prints a receipt: the simulator receives the text, renders a scannable QR, and the driver reports done', async () => {
    const result = await driver.print(sampleReceipt(PAYLOAD));
    expect(result.status).toMatchObject({ online: true, paperEnd: false, coverOpen: false, error: false });
    expect(result.bytes).toBeGreaterThan(result.chunks * 0); // job was sent …
    expect(result.chunks).toBeGreaterThan(1); // … in several chunks
    const receipts = sim.receipts();
    expect(receipts).toHaveLength(1);
    const lines = receipts[0]?.text.split('\n').map((l) => l.trim());
    expect(lines).toEqual(expect.arrayContaining(['ZIMBABWE', 'Labour Migration Centre', 'Registration  ZLMC-2025-004217', 'Name          MOYO, TENDAI']));
    expect(decodeQrFromPng(sim.lastReceiptPng() as Buffer)).toBe(PAYLOAD);
    expect(states.at(-1)).toMatchObject({ state: 'connected', status: { online: true } });
  });

  it('refuses to print when the paper is out, sending no job', async () => {
    sim.setPaperOut(true);
    const err = await failure(driver.print(sampleReceipt(PAYLOAD)));
    expect(isApplianceError(err, 'PRINTER_PAPER_OUT')).toBe(true);
    expect(err?.context.phase).toBe('before');
    expect(err?.message).toMatch(/out of paper/i);
    expect(printedSomething()).toBe(false);
    expect(sim.receipts()).toHaveLength(0);
  });

  it('reports paper running out mid-job as PRINTER_PAPER_OUT during, claims nothing done, and a retry prints once', async () => {
    sim.setPaperOutAfterBytes(300);
    const err = await failure(driver.print(sampleReceipt(PAYLOAD)));
    expect(isApplianceError(err, 'PRINTER_PAPER_OUT')).toBe(true);
    expect(err?.context.phase).toBe('during');
    expect(sim.receipts()).toHaveLength(0);
    // The driver cleared the printer's buffer, so reloading paper prints no stale half receipt …
    await vi.waitFor(() => expect(commands.some((c) => c.op === 'clear-buffers')).toBe(true));
    sim.setPaperOut(false);
    expect(sim.heldCommands).toBe(0);
    // … and the appliance's retry prints the receipt exactly once.
    await driver.print(sampleReceipt(PAYLOAD));
    expect(sim.receipts()).toHaveLength(1);
    expect(decodeQrFromPng(sim.lastReceiptPng() as Buffer)).toBe(PAYLOAD);
  });

  it('refuses to print with the cover open', async () => {
    sim.setCoverOpen(true);
    const err = await failure(driver.print(sampleReceipt(PAYLOAD)));
    expect(isApplianceError(err, 'PRINTER_COVER_OPEN')).toBe(true);
    expect(err?.message).toMatch(/cover is open/i);
    expect(printedSomething()).toBe(false);
  });

  it('refuses to print while the printer is offline', async () => {
    sim.setOffline(true);
    const err = await failure(driver.print(sampleReceipt(PAYLOAD)));
    expect(isApplianceError(err, 'PRINTER_OFFLINE')).toBe(true);
    expect(printedSomething()).toBe(false);
  });

  it('fails with PRINTER_TIMEOUT naming the request when the printer does not answer', async () => {
    sim.setSilent(true);
    const err = await failure(driver.print(sampleReceipt(PAYLOAD)));
    expect(isApplianceError(err, 'PRINTER_TIMEOUT')).toBe(true);
    expect(err?.context.request).toBe('DLE EOT 1 (printer status)');
    expect(states.at(-1)).toMatchObject({ state: 'error', error: { code: 'PRINTER_TIMEOUT' } });
    // A printer that comes back is usable again: the late-answer bookkeeping does not poison the next query.
    sim.setSilent(false);
    await expect(driver.status()).resolves.toMatchObject({ online: true });
  });

  it('reads paper near end from DLE EOT 4 and still prints', async () => {
    sim.setPaperNearEnd(true);
    await expect(driver.status()).resolves.toMatchObject({ paperNearEnd: true, paperEnd: false, online: true });
    const result = await driver.print(sampleReceipt(PAYLOAD));
    expect(result.status.paperNearEnd).toBe(true);
    expect(sim.receipts()).toHaveLength(1);
  });

  it('turns an Automatic Status Back push into a state event without being asked', async () => {
    const pushed = new Promise<PrinterStateEvent>((resolve) =>
      driver.on('state', (e) => {
        if (e.state === 'error') resolve(e);
      }),
    );
    await driver.status(); // ensures GS a reached the simulator first
    sim.setCoverOpen(true);
    const event = await pushed;
    expect(event.status).toMatchObject({ coverOpen: true, online: false });
    expect(event.error?.code).toBe('PRINTER_COVER_OPEN');
    expect(driver.lastPushedStatus?.coverOpen).toBe(true);
  });
});
