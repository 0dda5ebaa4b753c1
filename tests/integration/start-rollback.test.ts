import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@lmc/appliance/config/load-config.ts';
import { startAppliance } from '@lmc/appliance/start.ts';
import { openApplianceStore } from '@lmc/appliance/schema.ts';

/** Child processes of this process (the simulators' socat), read from /proc. */
function children(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid) out.push(`${pid} ${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}`);
    } catch {
      /* the process ended while we looked */
    }
  }
  return out;
}

/**
 * The composition root rolls a failed start back: with the port taken, the modules already started (three
 * simulated devices on socat ptys, forwarding, reference) are stopped in reverse and the store is closed.
 */
describe('a failed start leaves nothing running', () => {
  let blocker: Server;
  let port: number;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'start-rollback-'));
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    port = (blocker.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => blocker.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops the started modules in reverse and closes the store when the port is in use', async () => {
    const before = children();
    const { config } = parseConfig({
      version: 1,
      server: { port },
      dataDir,
      devices: {
        mrz: { transport: 'simulator', baudRate: 115200 },
        fingerprint: { transport: 'simulator', baudRate: 115200 },
        printer: { transport: 'simulator', paperWidth: 80, baudRate: 115200 },
      },
    });
    await expect(startAppliance(config)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    // The simulators' socat children are gone (their exit is reaped asynchronously).
    await expect.poll(() => children().filter((c) => !before.includes(c))).toEqual([]);
    // The store was closed cleanly: a new connection opens it and finds it sound.
    const store = openApplianceStore({ dataDir });
    expect(store.integrityCheck()).toBe('ok');
    store.close();
  }, 60_000);
});
