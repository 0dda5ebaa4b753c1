import { isAsbFirstByte, isAsbFollowingByte, isRealtimeStatusByte } from './printer-status.ts';

/** What an ESC/POS printer sends back on its own line: DLE EOT answers and ASB messages. */
export type PrinterReply =
  | { kind: 'realtime'; byte: number }
  | { kind: 'asb'; bytes: Uint8Array }
  | { kind: 'garbage'; bytes: Uint8Array };

/**
 * Stream parser for printer→host bytes. A DLE EOT answer is one byte `0xx1xx10`; an ASB
 * message is four bytes, the first `0xx1xx00`, the others `0xx0xxxx` (Epson ESC/POS
 * reference, DLE EOT and GS a). Anything else (line noise, XON/XOFF, a half ASB cut by a
 * DLE EOT answer) is reported as garbage and parsing resumes at the next byte.
 * Never throws; chunk boundaries may fall anywhere.
 */
export class PrinterReplyParser {
  #asb: number[] = [];
  #garbage: number[] = [];
  garbageBytes = 0;

  push(chunk: Uint8Array): PrinterReply[] {
    const out: PrinterReply[] = [];
    for (const b of chunk) this.#byte(b, out);
    this.#flushGarbage(out);
    return out;
  }

  #byte(b: number, out: PrinterReply[]): void {
    if (this.#asb.length > 0) {
      if (isAsbFollowingByte(b)) {
        this.#asb.push(b);
        if (this.#asb.length === 4) {
          this.#flushGarbage(out);
          out.push({ kind: 'asb', bytes: Uint8Array.from(this.#asb) });
          this.#asb = [];
        }
        return;
      }
      // Broken ASB: its bytes so far are garbage; this byte starts over.
      this.#addGarbage(this.#asb);
      this.#asb = [];
    }
    if (isRealtimeStatusByte(b)) {
      this.#flushGarbage(out);
      out.push({ kind: 'realtime', byte: b });
    } else if (isAsbFirstByte(b)) {
      this.#asb.push(b);
    } else {
      this.#addGarbage([b]);
    }
  }

  #addGarbage(bytes: number[]): void {
    this.#garbage.push(...bytes);
    this.garbageBytes += bytes.length;
  }

  #flushGarbage(out: PrinterReply[]): void {
    if (this.#garbage.length === 0) return;
    out.push({ kind: 'garbage', bytes: Uint8Array.from(this.#garbage) });
    this.#garbage = [];
  }

  /** Drops a half-received ASB (e.g. after a reconnect). */
  reset(): void {
    this.#asb = [];
    this.#garbage = [];
  }
}
