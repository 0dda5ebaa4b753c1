/**
 * Runs in the barcode reader's worker thread (piscina, see barcode-reader.ts): image header → streaming
 * luminance → zxing ladder. Everything CPU-heavy about an upload happens here, off the event loop that
 * times serial bytes and serves the officer's screen.
 *
 * Errors cross the thread boundary as plain data: structured clone keeps an Error's message but drops
 * ApplianceError's code and context, so coded failures are returned, not thrown.
 */
import type { MessagePort } from 'node:worker_threads';
import { type ApplianceErrorCode, isApplianceError } from '../errors.ts';
import { decodeLuminance } from './barcode-decoder.ts';
import { readLuminance } from './image-luminance.ts';

export interface ReaderTask {
  bytes: Uint8Array;
  /** Told when the worker starts on this task: the time limit counts from here, not from the queue. */
  started: MessagePort;
}

export type ReaderResult =
  | { ok: true; format: 'QR_CODE' | 'PDF_417'; text: string; ms: number }
  | { ok: false; code: ApplianceErrorCode; message: string; context: Record<string, unknown>; ms: number };

export default async function readBarcodeTask({ bytes, started }: ReaderTask): Promise<ReaderResult> {
  started.postMessage('started');
  started.close();
  const t0 = performance.now();
  try {
    const hit = decodeLuminance(await readLuminance(bytes));
    return { ok: true, ...hit, ms: performance.now() - t0 };
  } catch (err) {
    if (!isApplianceError(err)) throw err;
    return { ok: false, code: err.code, message: err.message, context: err.context, ms: performance.now() - t0 };
  }
}
