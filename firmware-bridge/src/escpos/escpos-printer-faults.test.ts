/**
 * Printer faults on an in-memory port with a scripted printer: the printer's answers are the ESC/POS reference's
 * bytes (DLE EOT n → one status byte, `12` = all fine), not the driver's or the simulator's encoder.
 */
import { describe, expect, it } from 'vitest';
import { isApplianceError } from '../errors.ts';
import { MemoryPort } from '../transport/memory-port.ts';
import { EscPosPrinterDriver, type PrinterStateEvent } from './escpos-printer-driver.ts';
import { sampleReceipt } from './sample-receipt.ts';

/** A printer that answers every `10 04 n` (DLE EOT n) with `12` (ESC/POS: bits 1 and 4 set, nothing to report). */
async function scriptedPrinter(o: { holdFlowAfterBytes?: number } = {}) {
  const [host, printer] = MemoryPort.pair('mem:printer', 'mem:printer-device');
  await printer.open();
  let received = 0;
  printer.on('data', (chunk: Buffer) => {
    received += chunk.length;
    // Flow control held (RTS/CTS low, XOFF) once this much arrived: the port takes nothing more.
    if (o.holdFlowAfterBytes !== undefined && received > o.holdFlowAfterBytes) host.holdFlow(true);
    for (let i = 0; i + 2 < chunk.length + 1; i++) {
      if (chunk[i] === 0x10 && chunk[i + 1] === 0x04) void printer.write(Uint8Array.of(0x12));
    }
  });
  const states: PrinterStateEvent[] = [];
  const driver = new EscPosPrinterDriver({
    transportFactory: () => host,
    paperWidth: 80,
    statusTimeoutMs: 200,
    writeTimeoutMs: 300,
    chunkSize: 256,
    autoStatusBack: false,
  });
  driver.on('state', (e) => states.push(e));
  await driver.open();
  return { host, printer, driver, states, received: () => received };
}

describe('EscPosPrinterDriver faults on an in-memory port', () => {
  it('a printer holding flow control mid-job is off-line: the write times out, the job fails PRINTER_OFFLINE, the port is closed as lost', async () => {
    // The printer takes the status queries and the first chunks of the job, then holds flow control.
    const p = await scriptedPrinter({ holdFlowAfterBytes: 600 });
    expect((await p.driver.status()).online).toBe(true);
    const before = p.received();
    const job = p.driver.print(sampleReceipt('ZLMC1:TEST'));
    job.catch(() => {});
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    // Status is never blocked by the stuck job: it answers at once with what is known.
    const status = await p.driver.status();
    expect(performance.now() - t0).toBeLessThan(50);
    expect(status.online).toBe(true);
    const err = await job.catch((e: unknown) => e);
    expect(isApplianceError(err, 'PRINTER_OFFLINE')).toBe(true);
    expect((err as { context: { reason: string } }).context.reason).toBe('flow-control');
    expect((err as Error).message).not.toMatch(/\(|flow/);
    expect(p.received()).toBeGreaterThan(before);
    expect(p.driver.isOpen).toBe(false);
    expect(p.states.at(-1)?.state).toBe('disconnected');
  });

  it('a port error means lost, like a close: the driver ends disconnected and a print fails PRINTER_NOT_OPEN', async () => {
    const p = await scriptedPrinter();
    p.host.injectError('EIO: i/o error');
    expect(p.driver.isOpen).toBe(false);
    expect(p.states.at(-1)?.state).toBe('disconnected');
    const err = await p.driver.print(sampleReceipt('ZLMC1:TEST')).catch((e: unknown) => e);
    expect(isApplianceError(err, 'PRINTER_NOT_OPEN')).toBe(true);
  });

  it('a printer that stops answering DLE EOT fails its liveness probe; a status query waits no longer than its timeout', async () => {
    const p = await scriptedPrinter();
    expect(await p.driver.probe(200)).toBe(true);
    p.printer.removeAllListeners('data');
    expect(await p.driver.probe(200)).toBe(false);
    const t0 = performance.now();
    const err = await p.driver.status().catch((e: unknown) => e);
    expect(isApplianceError(err, 'PRINTER_TIMEOUT')).toBe(true);
    expect((err as Error).message).not.toContain('DLE');
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  /**
   * A printer whose paper can run out, answering DLE EOT n from its state as the ESC/POS reference gives the bits
   * (1: bit 3 off-line; 2: bit 5 stopped by paper end; 4: bits 2–3 near end, 5–6 roll end; bits 1 and 4 always set).
   * `onAnswer` runs after each answer, so a test can change the paper between two of them.
   */
  async function printerWithPaper(onAnswer: (n: number, printer: { paperOut: boolean; push(bytes: number[]): void }) => void = () => {}) {
    const [host, device] = MemoryPort.pair('mem:printer', 'mem:printer-device');
    await device.open();
    const printer = { paperOut: true, push: (bytes: number[]) => void device.write(Uint8Array.from(bytes)) };
    device.on('data', (chunk: Buffer) => {
      for (let i = 0; i + 2 < chunk.length + 1; i++) {
        if (chunk[i] !== 0x10 || chunk[i + 1] !== 0x04) continue;
        const n = chunk[i + 2] as number;
        const out = printer.paperOut;
        const bits = n === 1 ? (out ? 0x08 : 0) : n === 2 ? (out ? 0x20 : 0) : n === 4 ? (out ? 0x6c : 0) : 0;
        void device.write(Uint8Array.of(0x12 | bits)).then(() => onAnswer(n, printer));
      }
    });
    const states: PrinterStateEvent[] = [];
    const driver = new EscPosPrinterDriver({ transportFactory: () => host, paperWidth: 80, statusTimeoutMs: 200, autoStatusBack: false });
    driver.on('state', (e) => states.push(e));
    await driver.open();
    return { driver, printer, states };
  }

  it('reads the status again when an ASB arrives between its four answers, so a roll loaded meanwhile never shows as off-line', async () => {
    let loaded = false;
    const p = await printerWithPaper((n, printer) => {
      // The officer loads a roll right after the printer answered DLE EOT 1 "off-line"; it pushes ASB 10 00 00 00 (ready).
      if (n === 1 && printer.paperOut && !loaded) {
        loaded = true;
        printer.paperOut = false;
        printer.push([0x10, 0x00, 0x00, 0x00]);
      }
    });
    const status = await p.driver.status();
    expect(status).toMatchObject({ online: true, paperEnd: false });
    expect(p.states.at(-1)).toMatchObject({ state: 'connected' });
  });

  it('a liveness probe whose on-line bit disagrees with the status last read reads the whole status (no ASB needed)', async () => {
    const p = await printerWithPaper();
    expect(await p.driver.status()).toMatchObject({ online: false, paperEnd: true });
    expect(p.states.at(-1)).toMatchObject({ state: 'error', error: { code: 'PRINTER_PAPER_OUT' } });
    p.printer.paperOut = false;
    expect(await p.driver.probe(200)).toBe(true);
    expect(p.states.at(-1)).toMatchObject({ state: 'connected', status: { online: true, paperEnd: false } });
  });
});
