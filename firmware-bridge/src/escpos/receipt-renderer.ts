import QRCode from 'qrcode';
import type { EscPosCommand } from './escpos-command-parser.ts';
import { decodeByte } from './escpos-codepages.ts';
import { CELL_HEIGHT, CELL_WIDTH, glyphCell } from './font/bitmap-font.ts';
import { ReceiptCanvas } from './receipt-canvas.ts';

export interface RenderedReceipt {
  png: Buffer;
  /** The characters received, one line per printed line, trailing spaces dropped. */
  text: string;
}

/** Default line spacing after ESC 2 / ESC @: 30 dots (3.75 mm on a 203 dpi TM-T20). */
const DEFAULT_LINE_SPACING = 30;

type LineItem =
  | { kind: 'glyph'; x: number; w: number; h: number; cp: number; bold: boolean; underline: number; invert: boolean }
  | { kind: 'bits'; x: number; w: number; h: number; dot: (x: number, y: number) => boolean };

/**
 * Standard-mode ESC/POS print engine for the simulator: keeps the modes the commands set,
 * lays characters out in a line buffer, burns each line into the canvas on LF (or when it
 * is full), prints raster images and QR symbols as their own blocks, and hands back the
 * finished receipt on a cut. Follows Epson's rules where they show on paper: alignment
 * applies to the whole line, characters in one line share a baseline, a line feeds the
 * larger of the line spacing and its tallest character.
 */
export class ReceiptRenderer {
  #canvas: ReceiptCanvas;
  #line: LineItem[] = [];
  #lineX = 0;
  #lineAlign = 0;
  #text: string[] = [];
  #lineText = '';
  #mode = { align: 0, bold: false, underline: 0, invert: false, width: 1, height: 1, codepage: 0, spacing: DEFAULT_LINE_SPACING };
  #qr: { size: number; ecc: 'L' | 'M' | 'Q' | 'H'; data: Uint8Array } = { size: 3, ecc: 'L', data: new Uint8Array(0) };

  constructor(readonly dots: number) {
    this.#canvas = new ReceiptCanvas(dots);
  }

  /** Applies one command; returns the finished receipt when the command was a cut. */
  apply(cmd: EscPosCommand): RenderedReceipt | undefined {
    const m = this.#mode;
    switch (cmd.op) {
      case 'text':
        for (const b of cmd.bytes) this.#char(decodeByte(m.codepage, b));
        break;
      case 'lf':
        this.#printLine();
        break;
      case 'ht': {
        const tab = CELL_WIDTH * 8;
        this.#lineX = Math.min(this.dots, (Math.floor(this.#lineX / tab) + 1) * tab);
        this.#lineText += ' ';
        break;
      }
      case 'init':
        this.#line = [];
        this.#lineX = 0;
        this.#lineText = '';
        this.#mode = { align: 0, bold: false, underline: 0, invert: false, width: 1, height: 1, codepage: 0, spacing: DEFAULT_LINE_SPACING };
        this.#qr = { size: 3, ecc: 'L', data: new Uint8Array(0) };
        break;
      case 'align':
        m.align = cmd.align;
        break;
      case 'bold':
      case 'double-strike':
        m.bold = cmd.on;
        break;
      case 'invert':
        m.invert = cmd.on;
        break;
      case 'underline':
        m.underline = Math.min(2, cmd.dots);
        break;
      case 'size':
        m.width = cmd.width;
        m.height = cmd.height;
        break;
      case 'print-mode': // ESC !: bit 3 emphasized, 4 double height, 5 double width, 7 underline
        m.bold = (cmd.mode & 0x08) !== 0;
        m.height = cmd.mode & 0x10 ? 2 : 1;
        m.width = cmd.mode & 0x20 ? 2 : 1;
        m.underline = cmd.mode & 0x80 ? 1 : 0;
        break;
      case 'codepage':
        m.codepage = cmd.n;
        break;
      case 'line-spacing':
        m.spacing = cmd.dots === 'default' ? DEFAULT_LINE_SPACING : cmd.dots;
        break;
      case 'feed-lines':
        this.#printLine(false);
        this.#canvas.feed(cmd.n * m.spacing);
        break;
      case 'feed-dots':
        this.#printLine(false);
        this.#canvas.feed(cmd.n);
        break;
      case 'position':
        this.#lineX = Math.max(0, Math.min(this.dots, cmd.relative ? this.#lineX + cmd.dots : cmd.dots));
        break;
      case 'qr-size':
        this.#qr.size = Math.max(1, Math.min(16, cmd.size));
        break;
      case 'qr-ecc':
        this.#qr.ecc = cmd.level;
        break;
      case 'qr-store':
        this.#qr.data = cmd.data;
        break;
      case 'qr-print':
        this.#printQr();
        break;
      case 'raster':
        this.#printRaster(cmd.widthBytes, cmd.height, cmd.data, cmd.mode);
        break;
      case 'column-image':
        this.#columnImage(cmd.mode, cmd.width, cmd.data);
        break;
      case 'cut':
        return this.#cut(cmd.feedDots);
      default:
        break; // cr (ignored on serial without auto LF), ff, qr-model, real-time, ignored, unknown
    }
    return undefined;
  }

  /** Forgets everything since the last cut (the printer's buffers were cleared). */
  discard(): void {
    this.#canvas = new ReceiptCanvas(this.dots);
    this.#line = [];
    this.#lineX = 0;
    this.#lineText = '';
    this.#text = [];
  }

  get hasPendingPrint(): boolean {
    return this.#canvas.inked || this.#line.length > 0;
  }

  #char(cp: number): void {
    const m = this.#mode;
    const w = CELL_WIDTH * m.width;
    if (this.#lineX + w > this.dots) this.#printLine();
    if (this.#line.length === 0) this.#lineAlign = m.align;
    this.#line.push({ kind: 'glyph', x: this.#lineX, w, h: CELL_HEIGHT * m.height, cp, bold: m.bold, underline: m.underline, invert: m.invert });
    this.#lineX += w;
    this.#lineText += String.fromCodePoint(cp);
  }

  #printLine(feedWhenEmpty = true): void {
    const c = this.#canvas;
    if (this.#line.length === 0) {
      if (feedWhenEmpty) c.feed(this.#mode.spacing);
      if (this.#lineText.length || feedWhenEmpty) this.#text.push(this.#lineText.trimEnd());
      this.#lineText = '';
      this.#lineX = 0;
      return;
    }
    const lineHeight = Math.max(...this.#line.map((i) => i.h));
    const used = Math.max(...this.#line.map((i) => i.x + i.w));
    const offset = this.#lineAlign === 1 ? Math.floor((this.dots - used) / 2) : this.#lineAlign === 2 ? this.dots - used : 0;
    for (const item of this.#line) {
      const top = c.y + lineHeight - item.h; // shared baseline: shorter items sit at the bottom
      if (item.kind === 'glyph') this.#drawGlyph(item, offset + item.x, top);
      else for (let y = 0; y < item.h; y++) for (let x = 0; x < item.w; x++) if (item.dot(x, y)) c.set(offset + item.x + x, top + y);
    }
    c.feed(Math.max(this.#mode.spacing, lineHeight));
    this.#text.push(this.#lineText.trimEnd());
    this.#line = [];
    this.#lineX = 0;
    this.#lineText = '';
  }

  #drawGlyph(g: Extract<LineItem, { kind: 'glyph' }>, x0: number, y0: number): void {
    const c = this.#canvas;
    const sx = g.w / CELL_WIDTH;
    const sy = g.h / CELL_HEIGHT;
    const cell = glyphCell(g.cp);
    if (g.invert) c.fillRect(x0, y0, g.w, g.h);
    for (let r = 0; r < CELL_HEIGHT; r++) {
      const bits = cell[r] ?? 0;
      for (let col = 0; col < CELL_WIDTH; col++) {
        if (!(bits & (0x800 >> col))) continue;
        // Emphasized mode burns each dot twice, the second one dot to the right.
        c.fillRect(x0 + col * sx, y0 + r * sy, sx + (g.bold ? 1 : 0), sy, !g.invert);
      }
    }
    if (g.underline) c.fillRect(x0, y0 + g.h - g.underline, g.w, g.underline, !g.invert);
  }

  #blockX(width: number): number {
    const a = this.#mode.align;
    return a === 1 ? Math.floor((this.dots - width) / 2) : a === 2 ? this.dots - width : 0;
  }

  /** GS v 0: rows of bytes, MSB = leftmost dot; modes 1/2/3 double width/height/both. */
  #printRaster(widthBytes: number, height: number, data: Uint8Array, mode: number): void {
    this.#printLine(false);
    const sx = mode & 1 ? 2 : 1;
    const sy = mode & 2 ? 2 : 1;
    const x0 = this.#blockX(widthBytes * 8 * sx);
    const c = this.#canvas;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < widthBytes * 8; x++) {
        const byte = data[y * widthBytes + (x >> 3)] ?? 0;
        if (byte & (0x80 >> (x & 7))) c.fillRect(x0 + x * sx, c.y + y * sy, sx, sy);
      }
    }
    c.feed(height * sy);
  }

  /** ESC * m: a strip of vertical columns that joins the line buffer (8 or 24 dots high). */
  #columnImage(mode: number, width: number, data: Uint8Array): void {
    const tall = mode >= 32;
    const bytesPerColumn = tall ? 3 : 1;
    const sx = mode === 0 || mode === 32 ? 2 : 1; // single density doubles each column
    if (this.#line.length === 0) this.#lineAlign = this.#mode.align;
    this.#line.push({
      kind: 'bits',
      x: this.#lineX,
      w: width * sx,
      h: bytesPerColumn * 8,
      dot: (x, y) => ((data[Math.floor(x / sx) * bytesPerColumn + (y >> 3)] ?? 0) & (0x80 >> (y & 7))) !== 0,
    });
    this.#lineX += width * sx;
  }

  /**
   * GS ( k function 181: regenerates the symbol from the stored data with `qrcode`, at the
   * module size sent (function 167) and the error correction sent (function 169). The
   * printer prints the symbol only; the quiet zone is the feed around it.
   */
  #printQr(): void {
    this.#printLine(false);
    if (this.#qr.data.length === 0) return; // Epson: nothing stored, nothing printed
    let matrix: { size: number; get(r: number, c: number): number };
    try {
      matrix = QRCode.create([{ data: this.#qr.data, mode: 'byte' }], { errorCorrectionLevel: this.#qr.ecc }).modules;
    } catch {
      return; // data too long for a symbol: the printer prints nothing
    }
    const s = this.#qr.size;
    const x0 = this.#blockX(matrix.size * s);
    const c = this.#canvas;
    for (let r = 0; r < matrix.size; r++) {
      for (let col = 0; col < matrix.size; col++) if (matrix.get(r, col)) c.fillRect(x0 + col * s, c.y + r * s, s, s);
    }
    c.feed(matrix.size * s);
    this.#text.push(`[QR ${Buffer.from(this.#qr.data).toString('latin1')}]`);
  }

  #cut(feedDots: number): RenderedReceipt {
    this.#printLine(false);
    this.#canvas.feed(feedDots);
    while (this.#text.length && this.#text[this.#text.length - 1] === '') this.#text.pop();
    const receipt = { png: this.#canvas.toPng(), text: this.#text.join('\n') };
    this.#canvas = new ReceiptCanvas(this.dots);
    this.#text = [];
    return receipt;
  }
}
