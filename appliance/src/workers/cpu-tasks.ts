/**
 * The CPU-heavy jobs of the appliance, as the pool's worker runs them (cpu-worker.ts), and their input and
 * output types (CpuTasks) for the typed callers on the main thread (cpu-jobs.ts).
 *
 * The handlers' libraries are imported statically: under Node 20, tsx's loader does not reach dynamic imports
 * inside a worker thread ("Unknown file extension .ts"), and a worker loads once per thread anyway.
 *
 * Inputs and outputs cross threads by structured clone: a Buffer arrives as a plain Uint8Array (asBuffer
 * restores it without copying), a KeyObject arrives as a KeyObject.
 */
import { type Batch, type BatchRecordInput, type EncodeBatchOptions, type EncodedBatch, encodeBatch } from '@lmc/protocol/batch.ts';
import type { FrameBlob } from '@lmc/protocol/batch-frame.ts';
import type { GreyImage } from '@lmc/firmware-bridge/fingerprint/fingerprint-reader.ts';
import { greyImageToPng } from '@lmc/firmware-bridge/fingerprint/image-png.ts';
import { scoreQuality } from '@lmc/firmware-bridge/fingerprint/quality.ts';
import { type DecodedBarcode, decodeLuminance } from '../barcodes/barcode-decoder.ts';
import { jpeg2000ToJpeg } from '../chip/face-display.ts';
import { readLuminance } from '../barcodes/image-luminance.ts';
import { type DailyReportOptions, dailyReportPdf } from '../documents/daily-report.ts';
import { registrationSlipPdf, type SlipOptions } from '../documents/registration-slip.ts';
import type { DailyReportData } from '../documents/report-data.ts';
import type { ReceiptFacts } from '../printing/receipt-facts.ts';
import { asBuffer, type TaskHandlers } from './task-envelope.ts';

/** Input and output of every task kind. */
export interface CpuTasks {
  /** PNG/JPEG bytes → the first QR code or PDF417 found (BARCODE_* errors for bad images). */
  'barcode.decode': { input: Uint8Array; output: DecodedBarcode };
  /** scoreQuality() of one capture, 0–100. */
  'fingerprint.quality': { input: GreyImage; output: number };
  /** One capture as a lossless 8-bit grey PNG. */
  'fingerprint.png': { input: GreyImage; output: Uint8Array };
  /** A JPEG 2000 face from a passport chip as a displayable JPEG (chip/face-display.ts; CHIP_FACE_UNDECODABLE). */
  'chip.face-jpeg': { input: Uint8Array; output: { jpeg: Uint8Array; width: number; height: number } };
  /** The A4 registration slip (documents/registration-slip.ts). */
  'document.slip': { input: { facts: ReceiptFacts; options: SlipOptions }; output: Uint8Array };
  /** The A4 daily office report (documents/daily-report.ts). */
  'document.daily-report': { input: { data: DailyReportData; options: DailyReportOptions }; output: Uint8Array };
  /**
   * A signed gzip batch (protocol/src/batch.ts encodeBatch: JSON, gzip, frame, Ed25519 signature). The records
   * do not travel back (the caller has them; cloning ~1 MB of objects would cost the event loop what the pool
   * saves): only the batch's other fields and each record's content hash.
   */
  'batch.encode': { input: { records: readonly BatchRecordInput[]; options: EncodeBatchOptions }; output: EncodedBatchWithoutRecords };
}

export type CpuTaskKind = keyof CpuTasks;

export type EncodedBatchWithoutRecords = Omit<EncodedBatch, 'batch'> & { batch: Omit<Batch, 'records'>; contentHashes: string[] };

export const cpuTaskHandlers = {
  /** CpuPool.warm(): nothing, once the worker has loaded. */
  'pool.warm': async () => true,
  'barcode.decode': async (bytes) => decodeLuminance(await readLuminance(bytes)),
  'fingerprint.quality': async (image) => scoreQuality(image),
  'fingerprint.png': async (image) => greyImageToPng(image),
  'chip.face-jpeg': async (bytes) => jpeg2000ToJpeg(asBuffer(bytes)),
  'document.slip': async ({ facts, options }) => {
    const photo = options.documentPhoto;
    return registrationSlipPdf(facts, { ...options, ...(photo ? { documentPhoto: asBuffer(photo) } : {}) });
  },
  'document.daily-report': async ({ data, options }) => dailyReportPdf(data, options),
  'batch.encode': async ({ records, options }) => {
    const blobs = options.blobs?.map((b: FrameBlob) => ({ ...b, data: asBuffer(b.data) }));
    const { batch, ...encoded } = encodeBatch(records, { ...options, ...(blobs ? { blobs } : {}) });
    const { records: sent, ...rest } = batch;
    return { ...encoded, batch: rest, contentHashes: sent.map((r) => r.contentHash) };
  },
} satisfies { [K in CpuTaskKind]: (input: CpuTasks[K]['input']) => Promise<CpuTasks[K]['output']> } & TaskHandlers;
