import { SilenceTimer } from '../transport/silence-timer.ts';
import { ApplianceError, FirmwareBridgeErrors } from '../errors.ts';
import type { Logger } from '@lmc/core/logger.ts';
import { realtimeStatusRequest, STATUS_REQUEST_NAMES, type StatusRequest } from './realtime-commands.ts';

interface Pending {
  n: StatusRequest;
  resolve: (byte: number) => void;
  reject: (err: Error) => void;
  timer: SilenceTimer;
  /** Set when the request timed out: its late answer is still owed and must be swallowed. */
  abandonedAt: number | undefined;
}

/**
 * Request/response lifecycle for `DLE EOT n`. Answers carry no request number, so they are
 * matched to requests in order (the printer answers in the order it receives them). A request
 * that timed out stays in line as "abandoned", so a late answer is not taken for the next
 * request's. Before the next request the line is given `settleMs` to deliver such late
 * answers; then the abandoned places are dropped (a printer that was off never answers them).
 */
export class RealtimeStatusClient {
  #queue: Pending[] = [];

  constructor(
    private readonly write: (bytes: Uint8Array) => Promise<void>,
    private readonly log: Logger,
    private readonly settleMs = 150,
  ) {}

  async request(n: StatusRequest, timeoutMs: number): Promise<number> {
    if (this.#queue.some((e) => e.abandonedAt !== undefined)) {
      await new Promise((resolve) => setTimeout(resolve, this.settleMs));
      this.#queue = this.#queue.filter((e) => e.abandonedAt === undefined);
    }
    const name = `DLE EOT ${n} (${STATUS_REQUEST_NAMES[n]})`;
    const answer = new Promise<number>((resolve, reject) => {
      // Judged by the line, not by a stalled loop: a timer that fires late first reads what arrived meanwhile.
      const entry: Pending = { n, resolve, reject, timer: new SilenceTimer(), abandonedAt: undefined };
      entry.timer.arm(timeoutMs, () => {
        entry.abandonedAt = Date.now();
        reject(
          new ApplianceError(FirmwareBridgeErrors.PRINTER_TIMEOUT.code, 'The receipt printer did not answer. Check that it is switched on and connected.', {
            request: name,
            timeoutMs,
          }),
        );
      });
      this.#queue.push(entry);
    });
    answer.catch(() => {}); // handled by the caller; keeps an early timeout from being "unhandled"
    this.log.debug({ request: name }, '»');
    let written = false;
    try {
      // The answer's timeout also bounds the write: a port that does not take the request cannot block the caller.
      const write = this.write(realtimeStatusRequest(n)).then(() => {
        written = true;
      });
      await Promise.race([write, answer]);
    } catch (err) {
      // A request that timed out keeps its place (its late answer is owed); one never written does not.
      if (!written && !this.#queue.some((e) => e.n === n && e.abandonedAt !== undefined)) this.#drop(n);
      throw err;
    }
    return answer;
  }

  /** One answer byte from the reply parser. */
  onReply(byte: number): void {
    const entry = this.#queue.shift();
    if (!entry) {
      this.log.debug({ byte }, 'unsolicited DLE EOT answer dropped');
      return;
    }
    if (entry.abandonedAt !== undefined) {
      this.log.debug({ byte, n: entry.n }, 'late DLE EOT answer dropped');
      return;
    }
    entry.timer.cancel();
    this.log.debug({ n: entry.n, byte: byte.toString(16) }, '«');
    entry.resolve(byte);
  }

  /** Fails every waiting request (port closed). */
  failAll(err: Error): void {
    for (const entry of this.#queue) {
      entry.timer.cancel();
      if (entry.abandonedAt === undefined) entry.reject(err);
    }
    this.#queue = [];
  }

  #drop(n: StatusRequest): void {
    const i = this.#queue.findLastIndex((e) => e.n === n);
    const [entry] = i >= 0 ? this.#queue.splice(i, 1) : [];
    entry?.timer.cancel();
  }
}
