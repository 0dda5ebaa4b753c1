import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAppliance } from '@lmc/appliance/start.ts';
import { type LiveAppliance, startLiveAppliance } from '../support/live-appliance.ts';

/**
 * The fingerprint capture end to end through a listening appliance: the UI (a socket.io client) sees the
 * reader's prompts live and drives the simulated person through the simulator routes, as a demo or a
 * training session would, until both fingers of the plan are captured.
 */
describe('live fingerprint capture through a listening appliance', () => {
  let appliance: RunningAppliance;
  let socket: Socket;
  let cookie: string;
  let live: LiveAppliance | undefined;
  const post = (path: string, body?: object) =>
    fetch(`${appliance.url}${path}`, {
      method: 'POST',
      headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  beforeAll(async () => {
    live = await startLiveAppliance('fp-live-', {
      devices: { mrz: { transport: 'none' }, fingerprint: { transport: 'simulator', baudRate: 240 * 9600 } },
      office: { capturePlan: { placeTimeoutMs: 5000, liftTimeoutMs: 5000 } },
    }, 'fingerprint');
    ({ appliance, socket, cookie } = live);
  });

  afterAll(async () => {
    await live?.close();
  });

  it('pushes place / detected / lift prompts in order while the person follows them via the simulator routes', async () => {
    const created = await post('/api/registrations', {});
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const seen: string[] = [];
    const done = new Promise<{ state: string }>((resolve) => {
      socket.on('fingerprint:prompt', (e: { finger: string; prompt: string }) => {
        seen.push(`${e.finger}:${e.prompt}`);
        // The person at the glass, driven through the simulator routes like the training UI does.
        if (e.prompt === 'place-finger') void post('/api/simulator/fingerprint/place', { personId: 'demo-1', finger: e.finger });
        if (e.prompt === 'lift-finger') void post('/api/simulator/fingerprint/lift');
      });
      socket.on('fingerprint:finger', (e: { finger: string; outcome: string }) => seen.push(`${e.finger}:${e.outcome}`));
      socket.on('fingerprint:workflow', (e: { state: string }) => {
        seen.push(`workflow:${e.state}`);
        if (e.state !== 'started') resolve(e);
      });
    });
    expect((await post(`/api/registrations/${id}/fingerprints/capture`)).status).toBe(202);
    expect(await done).toMatchObject({ state: 'completed' });
    expect(seen).toEqual([
      'workflow:started',
      'right-index:place-finger',
      'right-index:finger-detected',
      'right-index:lift-finger',
      'right-index:captured',
      'left-index:place-finger',
      'left-index:finger-detected',
      'left-index:lift-finger',
      'left-index:captured',
      'workflow:completed',
    ]);
    const res = await fetch(`${appliance.url}/api/registrations/${id}/fingerprints`, { headers: { cookie } });
    const body = (await res.json()) as { fingers: Array<{ status: string }> };
    expect(body.fingers.map((f) => f.status)).toEqual(['captured', 'captured']);
  });
});
