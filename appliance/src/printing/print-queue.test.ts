import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeBarcodeImage } from '../barcodes/barcode-decoder.ts';

/** zxing, as a verifier's phone reads the paper (the appliance's own multi-scale decoder). */
const decodeQrFromPng = (png: Buffer): string => decodeBarcodeImage(png).text;
import { generateMrz, parseMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import { type BusEvents, EventBus } from '../events/event-bus.ts';
import { openDatabase, type Store } from '../store/index.ts';
import { openApplianceStore } from '../schema.ts';
import { createLogger } from '@lmc/core/logger.ts';
import { createPrintJobRepository } from './print-job-repository.ts';
import { PrintingService } from './printing-service.ts';
import { verifyReceiptQr } from './receipt-signature.ts';
import { testSigner } from './test-support.ts';

const signer = testSigner();
const PASSPORT = generateMrz({
  format: 'TD3', documentCode: 'P', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'FN123456',
  surname: 'MOYO', givenNames: 'TENDAI', sex: 'M', birthDate: '950314', expiryDate: '300101',
});

function finalized(store: Store): string {
  const r = store.registrations.create({ officeCode: 'BBR', officerId: 'BBR-017' });
  store.registrations.attachDocument(r.id, { ...parseMrz(PASSPORT, { now: new Date('2026-11-23T10:00:00Z') }) }, 'BBR-017');
  store.registrations.finalize(r.id, 'BBR-017');
  return r.id;
}

/** The durable queue against the ESC/POS simulator on a real pseudo-terminal pair, with real SQLite. */
describe('print queue (simulator over a real pty, SQLite)', () => {
  let dataDir: string;
  let store: Store;
  let bus: EventBus;
  let printing: PrintingService | undefined;
  const events: Array<BusEvents['printer.job']> = [];

  const start = async () => {
    printing = await PrintingService.start({
      store,
      bus,
      signer,
      printer: { transport: 'simulator', paperWidth: 80, baudRate: 115200 },
      receipts: { helpLine: '+000 000 0000' },
      officeCode: 'BBR',
      officeName: 'Beitbridge Labour Migration Centre',
      statusTimeoutMs: 2000,
    });
    return printing;
  };

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'print-queue-'));
    store = openApplianceStore({ dataDir });
    bus = new EventBus();
    events.length = 0;
    bus.subscribe('printer.job', (e) => events.push(e));
  });
  afterEach(async () => {
    await printing?.stop();
    printing = undefined;
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints a queued receipt once: job done, one receipt on the simulator, its QR verifies', async () => {
    const p = await start();
    const id = finalized(store);
    const { job, created } = p.requestReceipt({ registrationId: id, language: 'en' });
    expect(created).toBe(true);
    // A second press returns the same job instead of printing twice.
    expect(p.requestReceipt({ registrationId: id, language: 'en' })).toMatchObject({ job: { id: job.id }, created: false });
    await vi.waitFor(() => expect(p.jobs.get(job.id)?.status).toBe('done'), { timeout: 10_000 });
    await p.queue.idle();
    const sim = p.feature.simulator;
    expect(sim?.receipts()).toHaveLength(1);
    expect(sim?.receipts()[0]?.text).toContain('MOYO, TENDAI');
    const qr = decodeQrFromPng(sim?.lastReceiptPng() as Buffer);
    expect(verifyReceiptQr(qr, { self: signer })).toMatchObject({ genuine: true, claims: { registrationId: id, officeCode: 'BBR' } });
    expect(events.map((e) => e.change)).toEqual(['queued', 'printing', 'done']);
    expect(p.jobs.get(job.id)).toMatchObject({ attempts: 1, lastError: null });
  });

  it('fails a job whose paper runs out mid-job with the officer message, and a reprint prints it exactly once', async () => {
    const p = await start();
    const sim = p.feature.simulator;
    if (!sim) throw new Error('simulator expected');
    const id = finalized(store);
    sim.setPaperOutAfterBytes(300);
    const { job } = p.requestReceipt({ registrationId: id, language: 'sn' });
    await vi.waitFor(() => expect(p.jobs.get(job.id)?.status).toBe('failed'), { timeout: 10_000 });
    const failed = p.jobs.get(job.id);
    expect(failed?.lastError?.code).toBe('PRINTER_PAPER_OUT');
    expect(failed?.lastError?.message).toMatch(/ran out of paper while printing/);
    expect(sim.receipts()).toHaveLength(0);
    expect(p.feature.state).toMatchObject({ device: 'printer', state: 'error', reason: 'paper out' });
    expect(p.queue.paused).toBe(true);

    // The roll is changed once the driver's DLE DC4 8 has cleared the half-sent job from the printer.
    await vi.waitFor(() => expect(sim.heldCommands).toBe(0), { timeout: 5_000 });
    sim.setPaperOut(false);
    // The new roll is noticed by the next status read: the host's idle probe runs every 5 s, so a 5 s wait raced it.
    await vi.waitFor(() => expect(p.feature.state).toMatchObject({ state: 'connected' }), { timeout: 15_000 });
    expect(p.queue.reprint(job.id).status).toBe('queued');
    expect(() => p.queue.reprint(job.id)).toThrow(expect.objectContaining({ code: 'PRINT_JOB_CONFLICT' }));
    await vi.waitFor(() => expect(p.jobs.get(job.id)?.status).toBe('done'), { timeout: 10_000 });
    await p.queue.idle();
    expect(sim.receipts()).toHaveLength(1);
    expect(sim.receipts()[0]?.text).toContain('WANYORESWA');
    expect(p.jobs.get(job.id)).toMatchObject({ attempts: 2, lastError: null });
    expect(() => p.queue.reprint(job.id)).toThrow(expect.objectContaining({ code: 'PRINT_JOB_CONFLICT' }));
  });

  it('loses nothing across a restart: a queued job and one caught mid-print are printed when the appliance starts again', async () => {
    const a = finalized(store);
    const b = finalized(store);
    // "Before the power cut": one job queued, one claimed (printing) when the process died.
    const path = store.health().path;
    const db = openDatabase(path, dataDir, createLogger('test'));
    const jobs = createPrintJobRepository(db);
    const interrupted = jobs.create({ registrationId: a, language: 'en' });
    expect(jobs.claim(interrupted.id)?.status).toBe('printing');
    const waiting = jobs.create({ registrationId: b, language: 'nd' });
    db.close();

    const p = await start();
    await vi.waitFor(() => {
      expect(p.jobs.get(interrupted.id)?.status).toBe('done');
      expect(p.jobs.get(waiting.id)?.status).toBe('done');
    }, { timeout: 15_000 });
    await p.queue.idle();
    expect(p.jobs.get(interrupted.id)?.attempts).toBe(2);
    const receipts = p.feature.simulator?.receipts() ?? [];
    expect(receipts).toHaveLength(2);
    // FIFO: the older job first
    expect(receipts[0]?.text).toContain('REGISTERED');
    expect(receipts[1]?.text).toContain('UBHALISIWE');
  });

  it('refuses a receipt for a registration that is not finalized, queuing nothing', async () => {
    const p = await start();
    const draft = store.registrations.create({ officeCode: 'BBR', officerId: 'BBR-017' });
    expect(() => p.requestReceipt({ registrationId: draft.id, language: 'en' })).toThrow(expect.objectContaining({ code: 'REGISTRATION_NOT_FINALIZED' }));
    expect(p.jobs.forRegistration(draft.id)).toEqual([]);
  });
});
