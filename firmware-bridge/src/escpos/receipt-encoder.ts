import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import QRCode from 'qrcode';
import { documentInvalid } from './escpos-errors.ts';
import type { SupportedCodepage } from './escpos-codepages.ts';
import {
  type ImageBlock,
  type PaperWidth,
  type QrBlock,
  type ReceiptDocument,
  paperGeometry,
  validateReceiptDocument,
} from './receipt-document.ts';

export interface EncodeReceiptOptions {
  paperWidth: PaperWidth;
  /** Character table for text; default PC437 (`ESC t 0`), which the encoder selects itself. */
  codepage?: SupportedCodepage;
  /**
   * Lines fed before each cut. The cutter sits a few lines above the print head, so a cut
   * without a feed would slice through the last lines printed (Epson TM-T20 needs about 4).
   */
  feedBeforeCut?: number;
}

export const DEFAULT_QR_MODULE_SIZE = 6;
export const DEFAULT_FEED_BEFORE_CUT = 4;
/** Default line feed amount (ESC 2) in dots on a 203 dpi head. */
const LINE_DOTS = 30;

/**
 * Encodes a receipt with @point-of-sale/receipt-printer-encoder, which emits, for ESC/POS:
 * `ESC @` + `FS .` + `ESC M 0` on initialize, `ESC t n` before the first text, text
 * alignment as space padding (so `ESC a` appears only around QR codes and images),
 * `ESC E n` / `GS ! n` for bold and size, `GS ( k` functions 165/167/169/180/181 for QR
 * (model 2, module size, error correction, store, print), `GS v 0` raster for images
 * (imageMode 'raster', at most 255 rows per command), LF for line ends and `GS V 1` to cut.
 * The raster mode is chosen over `ESC * 33` column mode because its strips cannot misalign
 * with the line spacing. Throws RECEIPT_DOCUMENT_INVALID before any byte is produced.
 */
export function encodeReceipt(doc: ReceiptDocument, options: EncodeReceiptOptions): Uint8Array {
  const { dots, columns } = paperGeometry(options.paperWidth);
  validateReceiptDocument(doc, options.paperWidth);
  const encoder = new ReceiptPrinterEncoder({
    language: 'esc-pos',
    columns,
    imageMode: 'raster',
    newline: '\n', // LF only: on serial Epson printers CR is ignored unless auto line feed is on
    feedBeforeCut: options.feedBeforeCut ?? DEFAULT_FEED_BEFORE_CUT,
    codepageMapping: 'epson',
    errors: 'strict',
  });
  encoder.initialize();
  if (options.codepage) encoder.codepage(options.codepage);

  doc.blocks.forEach((block, index) => {
    switch (block.kind) {
      case 'text': {
        const size = block.size ?? 1;
        encoder
          .align(block.align ?? 'left')
          .bold(block.bold ?? false)
          .size(size, size)
          .line(block.text);
        break;
      }
      case 'qr': {
        const moduleSize = block.moduleSize ?? DEFAULT_QR_MODULE_SIZE;
        checkQrFits(block, dots, index);
        // Quiet zone (ISO/IEC 18004: 4 modules): the printer prints the bare symbol, so a blank
        // line goes above it; the encoder's own LF after the block gives one line below.
        encoder.newline();
        encoder.align('center').qrcode(block.data, {
          model: 2,
          size: moduleSize,
          errorlevel: (block.ecc ?? 'M').toLowerCase() as 'l' | 'm' | 'q' | 'h',
        });
        if (moduleSize * 4 > LINE_DOTS) encoder.newline();
        break;
      }
      case 'image':
        encoder.align('center').image(toRgba(block), block.width, block.height, 'threshold', 128);
        break;
      case 'feed':
        if (block.lines > 0) encoder.newline(block.lines);
        break;
      case 'cut':
        encoder.cut('partial');
        break;
    }
  });
  return encoder.encode();
}

/** A QR symbol wider than the print head is clipped by the printer (or not printed at all). */
function checkQrFits(block: QrBlock, dots: number, index: number): void {
  const moduleSize = block.moduleSize ?? DEFAULT_QR_MODULE_SIZE;
  let modules: number;
  try {
    modules = QRCode.create([{ data: Buffer.from(block.data, 'latin1'), mode: 'byte' }], {
      errorCorrectionLevel: block.ecc ?? 'M',
    }).modules.size;
  } catch (err) {
    throw documentInvalid(`block ${index}: QR data too long for error correction ${block.ecc ?? 'M'}`, { index, cause: String(err) });
  }
  if (modules * moduleSize > dots) {
    throw documentInvalid(`block ${index}: QR code ${modules * moduleSize} dots wide does not fit the ${dots}-dot paper`, {
      index,
      modules,
      moduleSize,
    });
  }
}

/** The encoder takes RGBA; opaque black/white so its flatten and threshold steps keep every dot. */
function toRgba(block: ImageBlock): { data: Uint8ClampedArray; width: number; height: number } {
  const data = new Uint8ClampedArray(block.width * block.height * 4);
  for (let i = 0; i < block.pixels.length; i++) {
    const v = block.pixels[i] ? 0 : 255;
    data[i * 4] = v;
    data[i * 4 + 1] = v;
    data[i * 4 + 2] = v;
    data[i * 4 + 3] = 255;
  }
  return { data, width: block.width, height: block.height };
}
