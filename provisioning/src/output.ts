/**
 * What the technician reads. Plain step lines, one per event, so the output is the same over SSH,
 * in a serial console, piped to a file and in CI: no cursor movement, no redrawn progress bars.
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
  const colour = !json && (stdout as { isTTY?: boolean }).isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  return {
    json,
    line(mark, text) {
      const label = colour ? `\u001b[${COLOUR[mark]}m${LABEL[mark]}\u001b[0m` : LABEL[mark];
      human.write(`[${label}] ${text}\n`);
    },
    text(text) {
      human.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    result(value) {
      if (json) stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
}
