import { Ascii } from './mrz-wire.ts';

/**
 * Turns HID boot-keyboard input reports from a keyboard-wedge MRZ reader into the ASCII bytes the reader
 * meant to type, so the same frame parser reads them (HID 1.11 Appendix B.1 boot report; usage ids from
 * HID Usage Tables, Keyboard/Keypad page 0x07; US layout, as PROTOCOLS.md notes).
 *
 * Report: `modifiers reserved k1 k2 k3 k4 k5 k6`. A key is typed when its usage appears in a report and was
 * not in the previous one, so `<<<<` (comma down, release, comma down, …) gives four characters and a held
 * key gives one. Enter gives CR. A key we cannot map, or one pressed with Ctrl/Alt/GUI, gives SUB (0x1A),
 * which the frame parser treats as a non-MRZ byte: the line it lands in is dropped rather than misread.
 */
const SHIFT = 0x02 | 0x20; // left shift, right shift
const CTRL_ALT_GUI = 0x01 | 0x04 | 0x08 | 0x10 | 0x40 | 0x80;
const ERROR_ROLL_OVER = 0x01;
export const SUBSTITUTE = 0x1a;

/** usage id → [unshifted, shifted] */
const KEYMAP = new Map<number, readonly [string, string]>();
for (let i = 0; i < 26; i++) KEYMAP.set(0x04 + i, [String.fromCharCode(0x61 + i), String.fromCharCode(0x41 + i)]);
for (const [i, d] of [...'1234567890'].entries()) KEYMAP.set(0x1e + i, [d, '!@#$%^&*()'[i] ?? d]);
for (const [usage, plain, shifted] of [
  [0x2c, ' ', ' '],
  [0x2d, '-', '_'],
  [0x2e, '=', '+'],
  [0x33, ';', ':'],
  [0x36, ',', '<'],
  [0x37, '.', '>'],
  [0x38, '/', '?'],
] as const) {
  KEYMAP.set(usage, [plain, shifted]);
}
// Keypad digits (some readers type digits on the keypad; Num Lock is the reader's, not ours).
for (const [i, d] of [...'1234567890'].entries()) KEYMAP.set(0x59 + i, [d, d]);
const ENTER = new Set([0x28, 0x58]); // Enter, Keypad Enter
const TAB = 0x2b;

export interface HidKeyboardDecoderOptions {
  /** The device uses numbered reports: byte 0 is a report id, the boot report follows. */
  reportId?: boolean;
}

export class HidKeyboardDecoder {
  #down = new Set<number>();
  readonly #reportId: boolean;

  constructor(options: HidKeyboardDecoderOptions = {}) {
    this.#reportId = options.reportId ?? false;
  }

  /** Decode one input report; returns the bytes typed by keys newly pressed in it (often none). */
  push(report: Uint8Array): Buffer {
    const r = this.#reportId ? report.subarray(1) : report;
    if (r.length < 3) return Buffer.alloc(0);
    const modifiers = r[0] ?? 0;
    const keys = [...r.subarray(2, 8)].filter((k) => k !== 0);
    // Phantom state: too many keys at once; the report says nothing about which (HID 1.11 B.1).
    if (keys.length > 0 && keys.every((k) => k === ERROR_ROLL_OVER)) return Buffer.alloc(0);
    const out: number[] = [];
    for (const k of keys) if (!this.#down.has(k)) out.push(this.#byteFor(k, modifiers));
    this.#down = new Set(keys);
    return Buffer.from(out);
  }

  reset(): void {
    this.#down.clear();
  }

  #byteFor(usage: number, modifiers: number): number {
    if (modifiers & CTRL_ALT_GUI) return SUBSTITUTE;
    if (ENTER.has(usage)) return Ascii.CR;
    if (usage === TAB) return 0x09;
    const pair = KEYMAP.get(usage);
    if (!pair) return SUBSTITUTE;
    return (modifiers & SHIFT ? pair[1] : pair[0]).charCodeAt(0);
  }
}
