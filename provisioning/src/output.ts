/**
 * What the technician reads. Plain step lines, one per event, so the output is the same over SSH,
 * in a serial console, piped to a file and in CI. Progress of a long step (probing, backup, restore)
 * is ONE line redrawn in place only on a terminal; elsewhere each distinct progress text is one plain
 * line (no carriage returns in a log file).
 * Colour only on a TTY and never with NO_COLOR (https://no-color.org). `--json` sends one JSON
 * document to stdout at the end and nothing else there; step lines then go to stderr.
 */
export type Mark = 'ok' | 'fail' | 'warn' | 'skip' | 'info' | 'step';

const LABEL: Record<Mark, string> = { ok: ' ok ', fail: 'FAIL', warn: 'warn', skip: 'skip', info: 'info', step: ' .. ' };
const COLOUR: Record<Mark, string> = { ok: '32', fail: '31', warn: '33', skip: '90', info: '36', step: '90' };

export interface Output {
  readonly json: boolean;
  line(mark: Mark, text: string): void;
  /** Free text (tables, file contents); to stderr in JSON mode. */
  text(text: string): void;
  /** The JSON result (JSON mode only). */
  result(value: unknown): void;
  /** Progress of a long step: redrawn in place on a terminal, a plain `..` line otherwise. */
  progress(text: string): void;
}

export interface OutputOptions {
  json?: boolean;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
}

export function createOutput(o: OutputOptions = {}): Output {
  const stdout = o.stdout ?? process.stdout;
  const stderr = o.stderr ?? process.stderr;
  const env = o.env ?? process.env;
  const json = o.json ?? false;
  const human = json ? stderr : stdout;
  const tty = (human as { isTTY?: boolean }).isTTY === true && env.TERM !== 'dumb';
  const colour = !json && tty && env.NO_COLOR === undefined;
  let pending = false;
  let lastProgress = '';
  const clear = () => {
    if (pending) human.write('\r\u001b[2K');
    pending = false;
  };
  return {
    json,
    line(mark, text) {
      clear();
      const label = colour ? `\u001b[${COLOUR[mark]}m${LABEL[mark]}\u001b[0m` : LABEL[mark];
      human.write(`[${label}] ${text}\n`);
    },
    text(text) {
      clear();
      human.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    progress(text) {
      if (tty) {
        const width = (human as { columns?: number }).columns ?? 80;
        human.write(`\r\u001b[2K[ .. ] ${text.slice(0, Math.max(10, width - 8))}`);
        pending = true;
      } else if (text !== lastProgress) {
        // Plain output: one line per distinct step, but not one per page of a copy.
        const stem = text.replace(/\d+\/\d+ pages$/, '');
        if (stem !== lastProgress.replace(/\d+\/\d+ pages$/, '')) human.write(`[ .. ] ${text}\n`);
      }
      lastProgress = text;
    },
    result(value) {
      clear();
      if (json) stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
}
