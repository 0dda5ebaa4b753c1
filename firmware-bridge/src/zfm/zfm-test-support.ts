/**
 * Test support for the pty simulator: a describe block's line (`line.sim`, and `line.end`, what a test opens on the
 * other end: the driver or a bare serial port), closed after each test, the end first. Import only from tests: it
 * registers a vitest hook.
 */
import { afterEach } from 'vitest';
import type { PtySimulator } from './zfm-simulator-pty.ts';

export interface PtyLine<End> {
  sim?: PtySimulator;
  end?: End;
}

export function usePtyLine<End extends { close(): Promise<void> }>(): PtyLine<End> {
  const line: PtyLine<End> = {};
  afterEach(async () => {
    await line.end?.close();
    await line.sim?.close();
    line.end = undefined;
    line.sim = undefined;
  });
  return line;
}
