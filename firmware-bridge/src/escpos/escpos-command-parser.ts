import { ByteReader } from '@lmc/core/byte-cursor.ts';

/** ESC/POS parameters are little-endian (nL nH); a read past the end is guarded by has() before every read. */
type ByteCursor = ByteReader<Uint8Array>;

/**
 * Host→printer ESC/POS commands as the simulator sees them. Command codes and parameter
 * layouts follow Epson's ESC/POS reference (TM-T20/T88 family).
 */
export type EscPosCommand =
  | { op: 'text'; bytes: Uint8Array }
  | { op: 'lf' | 'cr' | 'ht' | 'ff' | 'init' }
  | { op: 'align'; align: number }
  | { op: 'bold' | 'double-strike' | 'invert'; on: boolean }
  | { op: 'underline'; dots: number }
  | { op: 'size'; width: number; height: number }
  | { op: 'print-mode'; mode: number }
  | { op: 'font' | 'codepage'; n: number }
  | { op: 'line-spacing'; dots: number | 'default' }
  | { op: 'feed-lines' | 'feed-dots'; n: number }
  | { op: 'position'; relative: boolean; dots: number }
  | { op: 'cut'; partial: boolean; feedDots: number }
  | { op: 'qr-model'; model: number }
  | { op: 'qr-size'; size: number }
  | { op: 'qr-ecc'; level: 'L' | 'M' | 'Q' | 'H' }
  | { op: 'qr-store'; data: Uint8Array }
  | { op: 'qr-print' }
  | { op: 'raster'; mode: number; widthBytes: number; height: number; data: Uint8Array }
  | { op: 'column-image'; mode: number; width: number; data: Uint8Array }
  | { op: 'status-request'; n: number }
  | { op: 'realtime-request'; n: number }
  | { op: 'clear-buffers' }
  | { op: 'asb'; flags: number }
  /** Understood and skipped whole (barcodes, pulses, kanji mode, sensors, …). */
  | { op: 'ignored'; name: string; length: number }
  /** Not understood: only the prefix shown is skipped, the rest is read as what follows. */
  | { op: 'unknown'; bytes: Uint8Array };

/** Real-time commands act on arrival, even while printing is held (paper out, cover open). */
export function isRealtimeCommand(cmd: EscPosCommand): boolean {
  return cmd.op === 'status-request' || cmd.op === 'realtime-request' || cmd.op === 'clear-buffers';
}

type Step = { cmd: EscPosCommand } | { need: number };

const ESC = 0x1b;
const GS = 0x1d;
const FS = 0x1c;
const DLE = 0x10;
const QR_ECC = ['L', 'M', 'Q', 'H'] as const;
/** Bounds a corrupt length field can claim before we call it garbage rather than wait forever. */
const MAX_PAYLOAD = 1 << 20;

/**
 * Incremental parser: feed it chunks as they arrive, get whole commands out. A command
 * split across chunks waits for the rest; an unknown command costs only its two-byte
 * prefix, so a stream with garbage keeps being parsed. Never throws.
 */
export class EscPosCommandParser {
  #buf: Uint8Array = new Uint8Array(0);
  #need = 0;

  push(chunk: Uint8Array): EscPosCommand[] {
    const merged = new Uint8Array(this.#buf.length + chunk.length);
    merged.set(this.#buf);
    merged.set(chunk, this.#buf.length);
    this.#buf = merged;
    if (this.#buf.length < this.#need) return [];
    const out: EscPosCommand[] = [];
    let offset = 0;
    while (offset < this.#buf.length) {
      const cursor = new ByteReader(this.#buf, { endian: 'le', offset });
      const step = parseOne(cursor);
      if ('need' in step) {
        this.#need = step.need - offset;
        break;
      }
      out.push(step.cmd);
      offset = cursor.offset;
    }
    if (offset >= this.#buf.length) this.#need = 0;
    this.#buf = this.#buf.slice(offset);
    return out;
  }

  /** Bytes waiting for the rest of a command. */
  get pending(): number {
    return this.#buf.length;
  }

  reset(): void {
    this.#buf = new Uint8Array(0);
    this.#need = 0;
  }
}

function parseOne(c: ByteCursor): Step {
  const start = c.offset;
  const b = c.u8();
  switch (b) {
    case 0x0a:
      return { cmd: { op: 'lf' } };
    case 0x0d:
      return { cmd: { op: 'cr' } };
    case 0x09:
      return { cmd: { op: 'ht' } };
    case 0x0c:
      return { cmd: { op: 'ff' } };
    case ESC:
      return withPrefix(c, start, parseEsc);
    case GS:
      return withPrefix(c, start, parseGs);
    case FS:
      return withPrefix(c, start, parseFs);
    case DLE:
      return withPrefix(c, start, parseDle);
  }
  if (b < 0x20) return { cmd: { op: 'unknown', bytes: Uint8Array.of(b) } };
  while (c.has(1) && c.peek() >= 0x20) c.u8();
  return { cmd: { op: 'text', bytes: c.buf.slice(start, c.offset) } };
}

/** Runs a prefix parser on the byte after ESC/GS/FS/DLE; a command it cannot place becomes `unknown`. */
function withPrefix(c: ByteCursor, start: number, parse: (c: ByteCursor, x: number) => Step | null): Step {
  if (!c.has(1)) return { need: start + 2 };
  const x = c.u8();
  const step = parse(c, x);
  if (step) return step;
  // A lone DLE costs one byte, so a following command is not swallowed; ESC/GS/FS x cost two.
  const len = c.buf[start] === DLE ? 1 : 2;
  c.offset = start + len;
  return { cmd: { op: 'unknown', bytes: c.buf.slice(start, start + len) } };
}

/** Fixed-length parameters: returns them, or a need-more step. */
function params(c: ByteCursor, n: number): number[] | { need: number } {
  if (!c.has(n)) return { need: c.offset + n };
  return Array.from(c.bytesN(n));
}

function fixed(c: ByteCursor, n: number, make: (p: number[]) => EscPosCommand): Step {
  const p = params(c, n);
  return Array.isArray(p) ? { cmd: make(p) } : p;
}

function ignored(c: ByteCursor, name: string, n: number): Step {
  const start = c.offset - 2;
  return fixed(c, n, () => ({ op: 'ignored', name, length: c.offset - start }));
}

function parseEsc(c: ByteCursor, x: number): Step | null {
  const p0 = (p: number[]) => p[0] ?? 0;
  switch (x) {
    case 0x40: return { cmd: { op: 'init' } }; // ESC @
    case 0x61: return fixed(c, 1, (p) => ({ op: 'align', align: Math.min(2, p0(p) % 0x30) })); // ESC a: 0–2 or '0'–'2'
    case 0x45: return fixed(c, 1, (p) => ({ op: 'bold', on: (p0(p) & 1) === 1 })); // ESC E
    case 0x47: return fixed(c, 1, (p) => ({ op: 'double-strike', on: (p0(p) & 1) === 1 })); // ESC G
    case 0x2d: return fixed(c, 1, (p) => ({ op: 'underline', dots: p0(p) % 0x30 })); // ESC -
    case 0x21: return fixed(c, 1, (p) => ({ op: 'print-mode', mode: p0(p) })); // ESC !
    case 0x4d: return fixed(c, 1, (p) => ({ op: 'font', n: p0(p) % 0x30 })); // ESC M
    case 0x74: return fixed(c, 1, (p) => ({ op: 'codepage', n: p0(p) })); // ESC t
    case 0x32: return { cmd: { op: 'line-spacing', dots: 'default' } }; // ESC 2
    case 0x33: return fixed(c, 1, (p) => ({ op: 'line-spacing', dots: p0(p) })); // ESC 3
    case 0x64: return fixed(c, 1, (p) => ({ op: 'feed-lines', n: p0(p) })); // ESC d
    case 0x4a: return fixed(c, 1, (p) => ({ op: 'feed-dots', n: p0(p) })); // ESC J
    case 0x24: return fixed(c, 2, (p) => ({ op: 'position', relative: false, dots: p0(p) + (p[1] ?? 0) * 256 })); // ESC $
    case 0x5c: // ESC \ (signed 16-bit)
      return fixed(c, 2, (p) => ({ op: 'position', relative: true, dots: ((p0(p) + (p[1] ?? 0) * 256) << 16) >> 16 }));
    case 0x69: return { cmd: { op: 'cut', partial: false, feedDots: 0 } }; // ESC i (obsolete full cut)
    case 0x6d: return { cmd: { op: 'cut', partial: true, feedDots: 0 } }; // ESC m (obsolete partial cut)
    case 0x70: return ignored(c, 'ESC p (drawer pulse)', 3);
    case 0x63: return ignored(c, 'ESC c (panel/sensor setting)', 2);
    case 0x20: return ignored(c, 'ESC SP (right spacing)', 1);
    case 0x34: return ignored(c, 'ESC 4 (italic)', 1);
    case 0x52: return ignored(c, 'ESC R (international set)', 1);
    case 0x56: return ignored(c, 'ESC V (rotation)', 1);
    case 0x7b: return ignored(c, 'ESC { (upside down)', 1);
    case 0x3d: return ignored(c, 'ESC = (peripheral)', 1);
    case 0x55: return ignored(c, 'ESC U (unidirectional)', 1);
    case 0x4c: return ignored(c, 'ESC L (page mode)', 0);
    case 0x53: return ignored(c, 'ESC S (standard mode)', 0);
    case 0x44: { // ESC D n1…nk NUL (tab stops, at most 32)
      const start = c.offset - 2;
      for (let i = 0; i <= 32; i++) {
        if (!c.has(1)) return { need: c.offset + 1 };
        if (c.u8() === 0) return { cmd: { op: 'ignored', name: 'ESC D (tab stops)', length: c.offset - start } };
      }
      return { cmd: { op: 'ignored', name: 'ESC D (tab stops)', length: c.offset - start } };
    }
    case 0x2a: { // ESC * m nL nH d…: 8-dot modes (0, 1) n bytes, 24-dot modes (32, 33) 3n bytes
      if (!c.has(3)) return { need: c.offset + 3 };
      const mode = c.u8();
      const width = c.u16();
      if (![0, 1, 32, 33].includes(mode)) return null;
      const len = width * (mode >= 32 ? 3 : 1);
      if (!c.has(len)) return { need: c.offset + len };
      return { cmd: { op: 'column-image', mode, width, data: c.bytesN(len).slice() } };
    }
  }
  return null;
}

function parseGs(c: ByteCursor, x: number): Step | null {
  const p0 = (p: number[]) => p[0] ?? 0;
  switch (x) {
    case 0x21: return fixed(c, 1, (p) => ({ op: 'size', width: ((p0(p) >> 4) & 7) + 1, height: (p0(p) & 7) + 1 })); // GS !
    case 0x42: return fixed(c, 1, (p) => ({ op: 'invert', on: (p0(p) & 1) === 1 })); // GS B
    case 0x61: return fixed(c, 1, (p) => ({ op: 'asb', flags: p0(p) })); // GS a
    case 0x56: { // GS V m [n]: m 0/48 full, 1/49 partial; 65/66 (and 97/98, 103/104) feed n dots then cut
      if (!c.has(1)) return { need: c.offset + 1 };
      const m = c.u8();
      if ([0, 1, 48, 49].includes(m)) return { cmd: { op: 'cut', partial: m % 2 === 1, feedDots: 0 } };
      if ([65, 66, 97, 98, 103, 104].includes(m)) {
        return fixed(c, 1, (p) => ({ op: 'cut', partial: m % 2 === 0, feedDots: p0(p) }));
      }
      return null;
    }
    case 0x76: { // GS v 0 m xL xH yL yH d…: raster, x in bytes, y in dots
      if (!c.has(6)) return { need: c.offset + 6 };
      if (c.u8() !== 0x30) return null;
      const mode = c.u8();
      const widthBytes = c.u16();
      const height = c.u16();
      const len = widthBytes * height;
      if (mode > 3 && (mode < 48 || mode > 51)) return null;
      if (len === 0 || len > MAX_PAYLOAD) return null;
      if (!c.has(len)) return { need: c.offset + len };
      return { cmd: { op: 'raster', mode: mode % 48, widthBytes, height, data: c.bytesN(len).slice() } };
    }
    case 0x28: // GS ( fn pL pH …: every GS ( command carries its length
      return parseGsParen(c);
    case 0x6b: { // GS k m …: barcode; m 0–6 NUL-terminated data, m 65–79 n then n bytes
      const start = c.offset - 2;
      if (!c.has(1)) return { need: c.offset + 1 };
      const m = c.u8();
      if (m <= 6) {
        for (let i = 0; i < 256; i++) {
          if (!c.has(1)) return { need: c.offset + 1 };
          if (c.u8() === 0) break;
        }
        return { cmd: { op: 'ignored', name: 'GS k (barcode)', length: c.offset - start } };
      }
      if (!c.has(1)) return { need: c.offset + 1 };
      const n = c.u8();
      if (!c.has(n)) return { need: c.offset + n };
      c.bytesN(n);
      return { cmd: { op: 'ignored', name: 'GS k (barcode)', length: c.offset - start } };
    }
    case 0x38: { // GS 8 L p1 p2 p3 p4 …: large graphics, 32-bit length
      const start = c.offset - 2;
      if (!c.has(5)) return { need: c.offset + 5 };
      if (c.u8() !== 0x4c) return null;
      const len = c.u32();
      if (len > MAX_PAYLOAD) return null;
      if (!c.has(len)) return { need: c.offset + len };
      c.bytesN(len);
      return { cmd: { op: 'ignored', name: 'GS 8 L (graphics)', length: c.offset - start } };
    }
    case 0x68: return ignored(c, 'GS h (barcode height)', 1);
    case 0x77: return ignored(c, 'GS w (barcode width)', 1);
    case 0x48: return ignored(c, 'GS H (barcode text)', 1);
    case 0x66: return ignored(c, 'GS f (barcode font)', 1);
    case 0x62: return ignored(c, 'GS b (smoothing)', 1);
    case 0x72: return ignored(c, 'GS r (status)', 1);
    case 0x49: return ignored(c, 'GS I (printer id)', 1);
    case 0x2f: return ignored(c, 'GS / (downloaded image)', 1);
    case 0x4c: return ignored(c, 'GS L (left margin)', 2);
    case 0x57: return ignored(c, 'GS W (print width)', 2);
    case 0x50: return ignored(c, 'GS P (motion units)', 2);
  }
  return null;
}

function parseGsParen(c: ByteCursor): Step | null {
  const start = c.offset - 2;
  if (!c.has(3)) return { need: c.offset + 3 };
  const fn = c.u8();
  const len = c.u16();
  if (!c.has(len)) return { need: c.offset + len };
  const body = c.bytesN(len);
  // GS ( k with cn = 0x31 is QR Code (functions 165, 167, 169, 180, 181 → fn bytes 41/43/45/50/51).
  if (fn === 0x6b && body[0] === 0x31) {
    const [, code = 0, a = 0] = body;
    switch (code) {
      case 0x41: return { cmd: { op: 'qr-model', model: a - 0x30 } };
      case 0x43: return { cmd: { op: 'qr-size', size: a } };
      case 0x45: return { cmd: { op: 'qr-ecc', level: QR_ECC[a - 0x30] ?? 'L' } };
      case 0x50: return { cmd: { op: 'qr-store', data: body.slice(3) } };
      case 0x51: return { cmd: { op: 'qr-print' } };
    }
  }
  return { cmd: { op: 'ignored', name: `GS ( ${String.fromCharCode(fn)}`, length: c.offset - start } };
}

function parseFs(c: ByteCursor, x: number): Step | null {
  switch (x) {
    case 0x2e: return ignored(c, 'FS . (cancel kanji)', 0);
    case 0x26: return ignored(c, 'FS & (kanji)', 0);
    case 0x21: return ignored(c, 'FS ! (kanji mode)', 1);
    case 0x2d: return ignored(c, 'FS - (kanji underline)', 1);
    case 0x43: return ignored(c, 'FS C (kanji code)', 1);
    case 0x57: return ignored(c, 'FS W (kanji size)', 1);
    case 0x53: return ignored(c, 'FS S (kanji spacing)', 2);
    case 0x70: return ignored(c, 'FS p (NV image)', 2);
    case 0x28: { // FS ( fn pL pH …
      const start = c.offset - 2;
      if (!c.has(3)) return { need: c.offset + 3 };
      c.u8();
      const len = c.u16();
      if (!c.has(len)) return { need: c.offset + len };
      c.bytesN(len);
      return { cmd: { op: 'ignored', name: 'FS (', length: c.offset - start } };
    }
  }
  return null;
}

function parseDle(c: ByteCursor, x: number): Step | null {
  switch (x) {
    case 0x04: { // DLE EOT n (n = 7, 8 take one more byte)
      if (!c.has(1)) return { need: c.offset + 1 };
      const n = c.u8();
      if (n >= 1 && n <= 4) return { cmd: { op: 'status-request', n } };
      if (n === 7 || n === 8) return fixed(c, 1, () => ({ op: 'ignored', name: 'DLE EOT 7/8', length: 4 }));
      return null;
    }
    case 0x05: // DLE ENQ n
      return fixed(c, 1, (p) => ({ op: 'realtime-request', n: p[0] ?? 0 }));
    case 0x14: { // DLE DC4 fn …
      if (!c.has(1)) return { need: c.offset + 1 };
      const fn = c.u8();
      if (fn === 8) {
        const p = params(c, 7);
        if (!Array.isArray(p)) return p;
        return p.join(',') === '1,3,20,1,6,2,8' ? { cmd: { op: 'clear-buffers' } } : null;
      }
      if (fn === 1 || fn === 2) return ignored(c, 'DLE DC4 (pulse/power)', 2);
      return null;
    }
  }
  return null;
}
