import { PNG } from 'pngjs';

/**
 * The printed strip of one receipt: one byte per dot (1 = burnt), growing downwards as
 * the printer feeds paper. Turned into a PNG that looks like the torn-off paper: white
 * margins beyond the print head, a thin edge, and a dashed line where the cutter cut.
 */
export class ReceiptCanvas {
  #rows: Uint8Array[] = [];
  /** Paper position in dots from the top of this receipt. */
  y = 0;

  constructor(readonly width: number) {}

  get height(): number {
    return this.y;
  }

  set(x: number, y: number, on = true): void {
    if (x < 0 || x >= this.width || y < 0) return;
    while (this.#rows.length <= y) this.#rows.push(new Uint8Array(this.width));
    const row = this.#rows[y];
    if (row) row[x] = on ? 1 : 0;
  }

  fillRect(x: number, y: number, w: number, h: number, on = true): void {
    for (let yy = y; yy < y + h; yy++) for (let xx = x; xx < x + w; xx++) this.set(xx, yy, on);
  }

  feed(dots: number): void {
    this.y += Math.max(0, dots);
  }

  /** True once anything was burnt (a feed alone leaves blank paper). */
  get inked(): boolean {
    return this.#rows.some((r) => r.includes(1));
  }

  toPng(): Buffer {
    const margin = 32;
    const top = 24;
    const cutGap = 16;
    const paperW = this.width + 2 * margin;
    const paperH = top + Math.max(this.y, this.#rows.length) + cutGap + 4;
    const png = new PNG({ width: paperW, height: paperH, colorType: 0 });
    const shade = (x: number, y: number, v: number) => {
      const i = (y * paperW + x) * 4;
      png.data[i] = v;
      png.data[i + 1] = v;
      png.data[i + 2] = v;
      png.data[i + 3] = 255;
    };
    for (let y = 0; y < paperH; y++) for (let x = 0; x < paperW; x++) shade(x, y, 252);
    this.#rows.forEach((row, ry) => {
      for (let x = 0; x < this.width; x++) if (row[x]) shade(margin + x, top + ry, 24);
    });
    // Paper edges, so the strip stands out on a white page viewer.
    for (let y = 0; y < paperH; y++) {
      shade(0, y, 200);
      shade(paperW - 1, y, 200);
    }
    // Dashed cut line at the bottom of the strip.
    const cutY = paperH - 3;
    for (let x = 0; x < paperW; x++) if (x % 12 < 7) for (let t = 0; t < 2; t++) shade(x, cutY + t, 110);
    return PNG.sync.write(png, { colorType: 0 });
  }
}
