import { SilenceTimer } from '../transport/silence-timer.ts';
import {
  type DetectedFraming,
  type FrameRead,
  type FrameRejected,
  type FramingMode,
  type ParserClock,
  type RejectCode,
  RejectCodes,
  realClock,
} from './frame-types.ts';
import { Ascii, expectedLineCount, hexByte, isMrzChar, lineProblem } from './mrz-wire.ts';

export * from './frame-types.ts';

/**
 * Incremental framing parser for MRZ readers on a byte stream (serial, pty, or HID payloads).
 *
 * Framings understood (PROTOCOLS.md, "MRZ readers on the wire"):
 * - bare lines ended by CR, CR LF (or LF): a read is complete when it holds 2 lines of 44 or 36
 *   characters or 3 lines of 30 (ICAO 9303 Parts 4–7);
 * - `STX line CR line CR ETX`, also with one marker byte before STX and after ETX: DESKO CUTE
 *   (`SODn STX … ETX EODn`, marker values are per device so any single control byte is accepted) and
 *   Access-IS HID payloads (`1C 02 … 03 1D` OCR; `0E`/`1E` magnetic-stripe/barcode messages are rejected);
 * - 3M RTE Native `SOH len "OU" STX flag line CR line CR line CR ETX BCC` (RTE6701-OEM integration
 *   manual 9.1.1: 1- or 2-byte length accepted, empty lines and `_` padding tolerated, BCC not checked
 *   because its definition is not in the sources we have).
 *
 * Resynchronisation: a non-MRZ byte ends the line it interrupts; a bad or inconsistent line drops the
 * read it belongs to; a new STX/SOH starts over. An inter-byte timeout ends whatever is pending: complete
 * lines are delivered (`endedBy: 'timeout'`), a partial line is rejected. Every discarded byte is
 * reported through `onRejected` with a code and a reason. `push()` never throws on any input.
 */
export interface FrameParserOptions {
  framing?: FramingMode;
  /** Silence that ends a read which lost its terminator. Default 80 ms. */
  interByteTimeoutMs?: number;
  clock?: ParserClock;
  onRead: (read: FrameRead) => void;
  onRejected: (rejected: FrameRejected) => void;
}

export const DEFAULT_INTER_BYTE_TIMEOUT_MS = 80;
/** Longest line kept in memory; longer lines are counted, then rejected. */
const MAX_LINE = 44;

interface Envelope {
  kind: 'stx' | '3m';
  lead: number | undefined;
  failure: { code: RejectCode; reason: string } | undefined;
}

export class FrameParser {
  readonly framing: FramingMode;
  readonly interByteTimeoutMs: number;
  readonly #clock: ParserClock;
  readonly #onRead: FrameParserOptions['onRead'];
  readonly #onRejected: FrameParserOptions['onRejected'];
  readonly #allowBare: boolean;
  readonly #allowStx: boolean;
  readonly #allow3m: boolean;

  #env: Envelope | undefined;
  #bare = false;
  /** 3M header bytes after SOH, until STX. */
  #header: number[] | undefined;
  #skip: 'flag' | 'bcc' | 'trailer' | undefined;
  #line: number[] = [];
  #lineLen = 0;
  #lineBytes = 0;
  #lines: string[] = [];
  #readBytes = 0;
  #sawCrLf = false;
  #sawLf = false;
  #lastCr = false;
  /** A control byte seen between reads that may be a DESKO SODn / Access-IS FS marker before STX. */
  #lead: number | undefined;
  #garbage = 0;
  #garbageFirst = 0;
  #lastByteAt = 0;
  readonly #silence: SilenceTimer;

  constructor(options: FrameParserOptions) {
    this.framing = options.framing ?? 'auto';
    this.interByteTimeoutMs = options.interByteTimeoutMs ?? DEFAULT_INTER_BYTE_TIMEOUT_MS;
    this.#clock = options.clock ?? realClock;
    this.#silence = new SilenceTimer({ clock: this.#clock });
    this.#onRead = options.onRead;
    this.#onRejected = options.onRejected;
    const f = this.framing;
    this.#allowBare = f === 'auto' || f === 'cr' || f === 'crlf';
    this.#allowStx = f === 'auto' || f === 'stx-etx';
    this.#allow3m = f === 'auto' || f === '3m';
  }

  /** True when nothing is pending (no partial read, no unreported garbage). */
  get idle(): boolean {
    return !this.#inRead() && this.#lead === undefined && this.#garbage === 0 && this.#skip === undefined;
  }

  push(chunk: Uint8Array): void {
    this.#lastByteAt = this.#clock.now();
    this.#silence.touch(this.#lastByteAt);
    for (const b of chunk) this.#byte(b);
    this.#armTimer();
  }

  /** End the pending read now, as the inter-byte timeout would. */
  flush(): void {
    this.#cancelTimer();
    this.#endByTimeout();
  }

  /** Drop everything pending and report it (e.g. the reader was unplugged mid-read). */
  discard(reason: string): void {
    this.#cancelTimer();
    if (this.#inRead() && this.#readBytes > 0) this.#reject(RejectCodes.Interrupted, reason, this.#readBytes);
    this.#leadToGarbage();
    this.#flushGarbage();
    this.#resetAll();
  }

  /** Stop the timer and forget state without reporting (shutdown). */
  dispose(): void {
    this.#cancelTimer();
    this.#resetAll();
    this.#garbage = 0;
  }

  // ---- byte dispatch -------------------------------------------------------------------------

  #byte(b: number): void {
    const skip = this.#skip;
    if (skip !== undefined) {
      this.#skip = undefined;
      if (skip === 'flag') {
        this.#readBytes++; // 3M flag byte after STX: meaning is device-specific, not MRZ text
        return;
      }
      if (skip === 'bcc') return; // 3M block check after ETX (not verified, see header comment)
      // DESKO EODn / Access-IS GS after ETX
      if (b < 0x20 && b !== Ascii.STX && b !== Ascii.SOH && b !== Ascii.CR && b !== Ascii.LF) return;
    }
    if (this.#header !== undefined) {
      this.#headerByte(b);
      return;
    }
    const afterCr = this.#lastCr;
    this.#lastCr = b === Ascii.CR;
    if (isMrzChar(b) || (b === Ascii.UNDERSCORE && this.#env?.kind === '3m')) this.#char(b);
    else if (b === Ascii.CR) this.#endLine(true);
    else if (b === Ascii.LF) this.#lf(afterCr);
    else if (b === Ascii.STX && this.#allowStx) this.#startEnvelope();
    else if (b === Ascii.ETX && this.#env?.kind !== undefined) this.#endEnvelope();
    else if (b === Ascii.SOH && this.#allow3m) this.#startHeader();
    else if (b < 0x20 && b !== Ascii.ETX && this.#allowStx && !this.#inRead()) {
      this.#leadToGarbage();
      this.#lead = b;
    } else this.#garbageByte(b);
  }

  #inRead(): boolean {
    return this.#env !== undefined || this.#bare || this.#header !== undefined;
  }

  #char(b: number): void {
    const env = this.#env;
    if (!env) {
      if (!this.#allowBare) {
        this.#garbageByte(b);
        return;
      }
      if (!this.#bare) {
        this.#leadToGarbage();
        this.#flushGarbage();
        this.#bare = true;
      }
    }
    this.#readBytes++;
    if (env?.failure) return;
    if (this.#lineLen < MAX_LINE + 1) this.#line.push(b);
    this.#lineLen++;
    this.#lineBytes++;
  }

  #lf(afterCr: boolean): void {
    if (afterCr) {
      if (this.#inRead()) {
        this.#readBytes++;
        this.#sawCrLf = true;
      }
      return;
    }
    if (this.#lineLen > 0) {
      this.#sawLf = true;
      this.#endLine(true);
    } else if (this.#inRead()) this.#readBytes++;
  }

  #garbageByte(b: number): void {
    const env = this.#env;
    if (env) {
      this.#readBytes++;
      env.failure ??= { code: RejectCodes.Garbage, reason: `non-MRZ byte ${hexByte(b)} in line ${this.#lines.length + 1}` };
      return;
    }
    if (this.#bare) {
      this.#readBytes++;
      this.#reject(RejectCodes.Garbage, `non-MRZ byte ${hexByte(b)} in line ${this.#lines.length + 1}`, this.#readBytes);
      this.#resetRead();
      return;
    }
    this.#leadToGarbage();
    if (this.#garbage === 0) this.#garbageFirst = b;
    this.#garbage++;
  }

  // ---- lines -----------------------------------------------------------------------------------

  /** Close the current line; `terminatorByte` is false when ETX or a timeout ends it. */
  #endLine(terminatorByte: boolean): void {
    if (!this.#inRead()) return; // empty CR between reads
    if (terminatorByte) {
      this.#readBytes++;
      this.#lineBytes++;
    }
    const env = this.#env;
    const text = this.#takeLine();
    const lineBytes = this.#lineBytes;
    this.#lineBytes = 0;
    if (env?.failure || text === undefined) return;
    const n = this.#lines.length + 1;
    const problem = lineProblem(text, n, this.#lines[0]);
    if (!problem) {
      this.#lines.push(text);
      const expected = expectedLineCount(text.length);
      if (env && this.#lines.length > expected) {
        env.failure = { code: RejectCodes.TooManyLines, reason: `${this.#lines.length} lines of ${text.length}; expected ${expected}` };
      } else if (!env && this.#lines.length === expected) this.#deliver('terminator');
      return;
    }
    if (env) {
      env.failure = problem;
      return;
    }
    if (problem.code === RejectCodes.InconsistentLines) {
      // The earlier lines were a read that lost its tail; this line may start the next read.
      this.#reject(problem.code, problem.reason, this.#readBytes - lineBytes);
      this.#lines = [text];
      this.#readBytes = lineBytes;
      this.#sawCrLf = false;
      this.#sawLf = false;
      return;
    }
    this.#reject(problem.code, problem.reason, this.#readBytes);
    this.#resetRead();
  }

  /** The current line as text (3M `_` padding stripped), or undefined when it is empty. */
  #takeLine(): string | undefined {
    const overlong = this.#lineLen > MAX_LINE;
    const len = this.#lineLen;
    let text = String.fromCharCode(...this.#line);
    this.#line = [];
    this.#lineLen = 0;
    if (overlong) return `${text}${'?'.repeat(Math.max(0, len - text.length))}`;
    if (this.#env?.kind === '3m') text = text.replace(/_+$/, '');
    return text.length === 0 ? undefined : text;
  }

  // ---- envelopes -------------------------------------------------------------------------------

  #startEnvelope(): void {
    this.#interrupt('a new STX arrived before the read ended');
    const lead = this.#lead;
    this.#lead = undefined;
    this.#flushGarbage();
    let failure: Envelope['failure'];
    if (lead === Ascii.SO) failure = { code: RejectCodes.NotOcr, reason: 'magnetic-stripe message, not an MRZ' };
    if (lead === Ascii.RS) failure = { code: RejectCodes.NotOcr, reason: 'barcode message, not an MRZ' };
    this.#env = { kind: 'stx', lead, failure };
    this.#readBytes = lead === undefined ? 1 : 2;
  }

  #startHeader(): void {
    this.#interrupt('a new SOH arrived before the read ended');
    this.#leadToGarbage();
    this.#flushGarbage();
    this.#header = [];
    this.#readBytes = 1;
  }

  #headerByte(b: number): void {
    const h = this.#header ?? [];
    this.#readBytes++;
    if (b === Ascii.STX && h.length >= 3) {
      const ok = h[h.length - 2] === 0x4f && h[h.length - 1] === 0x55 && h.length <= 4; // "OU" after a 1–2 byte length
      this.#header = undefined;
      if (ok) {
        this.#env = { kind: '3m', lead: undefined, failure: undefined };
        this.#skip = 'flag';
        return;
      }
      this.#reject(RejectCodes.Garbage, 'SOH header is not a 3M "OU" block', this.#readBytes - 1);
      this.#resetRead();
      if (this.#allowStx) this.#startEnvelope();
      else this.#garbageByte(b);
      return;
    }
    h.push(b);
    if (h.length > 4) {
      this.#header = undefined;
      this.#reject(RejectCodes.Garbage, 'SOH header is not a 3M "OU" block', this.#readBytes);
      this.#resetRead();
    }
  }

  #endEnvelope(): void {
    const env = this.#env;
    if (!env) return;
    this.#readBytes++;
    if (this.#lineLen > 0) this.#endLine(false);
    if (env.failure) {
      this.#reject(env.failure.code, env.failure.reason, this.#readBytes);
      this.#resetRead();
    } else if (this.#lines.length === 0) {
      this.#reject(RejectCodes.EmptyRead, 'the reader sent a read with no lines (no MRZ found)', this.#readBytes);
      this.#resetRead();
    } else this.#deliver('terminator');
    if (env.kind === '3m') this.#skip = 'bcc';
    else if (env.lead !== undefined) this.#skip = 'trailer';
  }

  /** A new read starts while one is pending: the pending one is dropped and reported. */
  #interrupt(reason: string): void {
    const failure = this.#env?.failure;
    if (failure) this.#reject(failure.code, failure.reason, this.#readBytes);
    else if (this.#inRead() && this.#readBytes > 0) this.#reject(RejectCodes.Interrupted, reason, this.#readBytes);
    this.#resetRead();
  }

  // ---- timeout ---------------------------------------------------------------------------------

  // The silence is judged by the line, not by this process's loop (SilenceTimer): a timer that fires late after a
  // stall first lets the bytes that arrived meanwhile be read, and the gap counts from the last byte's arrival.
  #armTimer(): void {
    this.#cancelTimer();
    if (this.idle) return;
    this.#silence.arm(this.interByteTimeoutMs, () => this.#endByTimeout());
  }

  #cancelTimer(): void {
    this.#silence.cancel();
  }

  #endByTimeout(): void {
    const silence = `after ${this.interByteTimeoutMs} ms without a byte`;
    if (this.#header !== undefined) {
      this.#reject(RejectCodes.Interrupted, `3M header without text ${silence}`, this.#readBytes);
    } else if (this.#env?.failure) {
      this.#reject(this.#env.failure.code, this.#env.failure.reason, this.#readBytes);
    } else if (this.#inRead()) {
      this.#endReadByTimeout(silence);
    }
    this.#resetRead();
    this.#leadToGarbage();
    this.#flushGarbage();
    this.#resetAll();
  }

  #endReadByTimeout(silence: string): void {
    let partial: { chars: number; bytes: number } | undefined;
    if (this.#lineLen > 0) {
      // A line of the right length that only lost its terminator is complete; anything else is partial.
      const len = this.#lineLen;
      const lineBytes = this.#lineBytes;
      const text = this.#takeLine();
      this.#lineBytes = 0;
      const first = this.#lines[0];
      const fits =
        text !== undefined &&
        !lineProblem(text, this.#lines.length + 1, first) &&
        (first === undefined || this.#lines.length < expectedLineCount(first.length));
      if (fits) this.#lines.push(text);
      else partial = { chars: len, bytes: lineBytes };
    }
    if (this.#lines.length > 0) {
      const bytes = this.#readBytes - (partial?.bytes ?? 0);
      if (partial) {
        this.#reject(RejectCodes.PartialLine, `partial line of ${partial.chars} characters discarded ${silence}`, partial.bytes);
      }
      this.#readBytes = bytes;
      const expected = expectedLineCount(this.#lines[0]?.length ?? 0);
      if (this.#lines.length < expected) {
        // Cut by a real silence: the officer is told the read failed, never shown a scan without a document.
        this.#reject(RejectCodes.IncompleteRead, `read cut after ${this.#lines.length} of ${expected} lines by ${silence.replace('after ', '')}`, bytes);
        this.#resetRead();
        return;
      }
      this.#deliver('timeout');
    } else if (this.#readBytes > 0) {
      const reason = partial
        ? `partial line of ${partial.chars} characters discarded ${silence}`
        : `read started but no line arrived ${silence}`;
      this.#reject(partial ? RejectCodes.PartialLine : RejectCodes.Interrupted, reason, this.#readBytes);
    }
  }

  // ---- emission and reset ----------------------------------------------------------------------

  #detected(): DetectedFraming {
    const env = this.#env;
    if (env?.kind === '3m') return '3m';
    if (env) return env.lead === undefined ? 'stx-etx' : env.lead === Ascii.FS ? 'access-is' : 'desko';
    return this.#sawCrLf ? 'crlf' : this.#sawLf ? 'lf' : 'cr';
  }

  #deliver(endedBy: FrameRead['endedBy']): void {
    const lines = this.#lines;
    const first = lines[0] ?? '';
    const read: FrameRead = {
      lines,
      framing: this.#detected(),
      byteCount: this.#readBytes,
      receivedAt: this.#lastByteAt,
      complete: lines.length === expectedLineCount(first.length),
      endedBy,
    };
    this.#resetRead();
    this.#onRead(read);
  }

  #reject(code: RejectCode, reason: string, byteCount: number): void {
    this.#onRejected({ code, reason, byteCount });
  }

  #leadToGarbage(): void {
    if (this.#lead === undefined) return;
    if (this.#garbage === 0) this.#garbageFirst = this.#lead;
    this.#garbage++;
    this.#lead = undefined;
  }

  #flushGarbage(): void {
    if (this.#garbage === 0) return;
    const n = this.#garbage;
    this.#garbage = 0;
    this.#reject(RejectCodes.Garbage, `${n} byte(s) outside any MRZ read discarded (first ${hexByte(this.#garbageFirst)})`, n);
  }

  #resetRead(): void {
    this.#env = undefined;
    this.#bare = false;
    this.#header = undefined;
    this.#line = [];
    this.#lineLen = 0;
    this.#lineBytes = 0;
    this.#lines = [];
    this.#readBytes = 0;
    this.#sawCrLf = false;
    this.#sawLf = false;
  }

  #resetAll(): void {
    this.#resetRead();
    this.#skip = undefined;
    this.#lastCr = false;
    this.#lead = undefined;
  }
}
