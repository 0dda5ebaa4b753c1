/** Progress of long steps: one redrawn line on a terminal, plain `..` lines (no carriage returns) otherwise. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createOutput } from '../src/output.ts';

function sink(isTTY: boolean) {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  s.isTTY = isTTY;
  s.columns = 80;
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  return { s, text: () => text };
}

describe('output progress', () => {
  it('on a terminal redraws one line in place and clears it before the next line', () => {
    const { s, text } = sink(true);
    const out = createOutput({ stdout: s, stderr: s, env: {} });
    out.progress('copying the store: 1/4 pages');
    out.progress('copying the store: 4/4 pages');
    out.line('ok', 'done');
    expect(text()).toBe('\r\u001b[2K[ .. ] copying the store: 1/4 pages\r\u001b[2K[ .. ] copying the store: 4/4 pages\r\u001b[2K[\u001b[32m ok \u001b[0m] done\n');
  });

  it('elsewhere prints each distinct step once as a plain line, page counters collapsed, no control characters', () => {
    const { s, text } = sink(false);
    const out = createOutput({ stdout: s, stderr: s, env: {} });
    out.progress('copying the store: 1/4 pages');
    out.progress('copying the store: 2/4 pages');
    out.progress('verifying the copy');
    out.line('ok', 'done');
    expect(text()).toBe('[ .. ] copying the store: 1/4 pages\n[ .. ] verifying the copy\n[ ok ] done\n');
  });
});
