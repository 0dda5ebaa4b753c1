import { documentInvalid } from './escpos-errors.ts';

/**
 * What the appliance fills for a receipt. Layout and bytes are the encoder's business;
 * this model only says what goes on the paper, top to bottom.
 */
export type TextBlock = { kind: 'text'; text: string; align?: 'left' | 'center' | 'right'; bold?: boolean; size?: 1 | 2 };
/** Printed with `GS ( k` (never as a raster), centred. moduleSize 1–8 dots (the encoder's range), default 6. */
export type QrBlock = { kind: 'qr'; data: string; moduleSize?: number; ecc?: 'L' | 'M' | 'Q' | 'H' };
/** 1-bit picture, row-major, one byte per dot, 1 = black; centred. */
export type ImageBlock = { kind: 'image'; width: number; height: number; pixels: Uint8Array };
export type FeedBlock = { kind: 'feed'; lines: number };
export type CutBlock = { kind: 'cut' };
export type ReceiptBlock = TextBlock | QrBlock | ImageBlock | FeedBlock | CutBlock;
export interface ReceiptDocument {
  blocks: ReceiptBlock[];
}

export type PaperWidth = 58 | 80;

/** Print-head geometry with font A (12×24 dots): 58 mm paper = 384 dots, 80 mm = 576 dots (Epson TM-T20/T88 specs). */
export const PAPER = {
  58: { dots: 384, columns: 32 },
  80: { dots: 576, columns: 48 },
} as const satisfies Record<PaperWidth, { dots: number; columns: number }>;

/** Epson's QR store command takes at most 7089 data bytes (GS ( k, function 180: 4 ≤ pL+pH×256 ≤ 7092). */
export const QR_MAX_BYTES = 7089;
const MAX_FEED_LINES = 50;
const MAX_IMAGE_HEIGHT = 2400;

export function paperGeometry(paperWidth: unknown): { dots: number; columns: number } {
  if (paperWidth !== 58 && paperWidth !== 80) throw documentInvalid('paper width must be 58 or 80 (mm)', { paperWidth });
  return PAPER[paperWidth];
}

/** Checks shape and limits of a document that may come from outside; throws RECEIPT_DOCUMENT_INVALID. */
export function validateReceiptDocument(doc: unknown, paperWidth: PaperWidth): ReceiptDocument {
  const { dots } = paperGeometry(paperWidth);
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as ReceiptDocument).blocks)) {
    throw documentInvalid('document must be { blocks: [...] }');
  }
  const blocks = (doc as ReceiptDocument).blocks;
  blocks.forEach((block: unknown, index) => {
    const b = block as ReceiptBlock;
    const bad = (why: string) => documentInvalid(`block ${index}: ${why}`, { index, kind: b?.kind });
    switch (b?.kind) {
      case 'text':
        if (typeof b.text !== 'string') throw bad('text must be a string');
        if (b.align !== undefined && !['left', 'center', 'right'].includes(b.align)) throw bad('align must be left, center or right');
        if (b.size !== undefined && b.size !== 1 && b.size !== 2) throw bad('size must be 1 or 2');
        if (b.bold !== undefined && typeof b.bold !== 'boolean') throw bad('bold must be a boolean');
        break;
      case 'qr':
        if (typeof b.data !== 'string' || b.data.length === 0) throw bad('QR data must be a non-empty string');
        // The encoder sends QR data as ISO 8859-1; anything outside it would silently become '?'.
        if ([...b.data].some((c) => c.charCodeAt(0) > 0xff || c.length > 1)) throw bad('QR data must be ISO 8859-1 text');
        if (b.data.length > QR_MAX_BYTES) throw bad(`QR data longer than ${QR_MAX_BYTES} bytes`);
        if (b.moduleSize !== undefined && !(Number.isInteger(b.moduleSize) && b.moduleSize >= 1 && b.moduleSize <= 8)) {
          throw bad('QR module size must be an integer 1–8');
        }
        if (b.ecc !== undefined && !['L', 'M', 'Q', 'H'].includes(b.ecc)) throw bad('QR ecc must be L, M, Q or H');
        break;
      case 'image':
        if (!Number.isInteger(b.width) || b.width < 1 || b.width > dots) throw bad(`image width must be 1–${dots} dots`);
        if (!Number.isInteger(b.height) || b.height < 1 || b.height > MAX_IMAGE_HEIGHT) {
          throw bad(`image height must be 1–${MAX_IMAGE_HEIGHT} dots`);
        }
        if (!(b.pixels instanceof Uint8Array) || b.pixels.length !== b.width * b.height) {
          throw bad('image pixels must be a Uint8Array of width × height');
        }
        break;
      case 'feed':
        if (!Number.isInteger(b.lines) || b.lines < 0 || b.lines > MAX_FEED_LINES) throw bad(`feed lines must be 0–${MAX_FEED_LINES}`);
        break;
      case 'cut':
        break;
      default:
        throw bad('unknown block kind');
    }
  });
  return doc as ReceiptDocument;
}
