import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAppliance } from '@lmc/appliance/start.ts';
import { type LiveAppliance, startLiveAppliance } from '../support/live-appliance.ts';
import { CONSENTED_DETAILS as DETAILS, nextSocketEvent as next } from '../support/registration-fixtures.ts';



/**
 * The first step of a registration end to end, through a real listening server: the simulated reader writes
 * the MRZ bytes on a pseudo-terminal, the real serialport binding reads them, the parsed document reaches a
 * socket.io client, and the officer attaches it and finalizes over HTTP.
 */
describe('live passport scan through a listening appliance', () => {
  let appliance: RunningAppliance;
  let socket: Socket;
  let cookie: string;
  let live: LiveAppliance | undefined;
  /** fetch with the session cookie of a real sign-in. */
  const fetch = (url: string, init: RequestInit = {}) =>
    globalThis.fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), cookie } });

  beforeAll(async () => {
    live = await startLiveAppliance('live-', { devices: { mrz: { transport: 'simulator', baudRate: 9600 }, fingerprint: { transport: 'none' } } }, 'mrz');
    ({ appliance, socket, cookie } = live);
  });

  afterAll(async () => {
    await live?.close();
  });

  it('pushes the parsed passport to the socket and lets the officer attach and finalize it', async () => {
    const created = await fetch(`${appliance.url}/api/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ officerId: 'BBR-017' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    const scanned = next<{ scanId: string; document: { format: string; valid: boolean; surname: string; nationality: string } }>(socket, 'document:scanned');
    const scan = await fetch(`${appliance.url}/api/simulator/mrz/scan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sample: 0 }),
    });
    expect(scan.status).toBe(202);
    const event = await scanned;
    expect(event.document).toMatchObject({ format: 'TD3', valid: true, surname: 'MOYO', nationality: 'ZWE' });

    const attachedEvent = next<{ change: string }>(socket, 'registration:changed', (e) => e.change === 'document-attached');
    const attached = await fetch(`${appliance.url}/api/registrations/${id}/document`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scanId: event.scanId }),
    });
    expect(attached.status).toBe(200);
    await attachedEvent;
    const detailed = await fetch(`${appliance.url}/api/registrations/${id}/details`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(DETAILS),
    });
    expect(detailed.status).toBe(200);

    const finalized = await fetch(`${appliance.url}/api/registrations/${id}/finalize`, { method: 'POST' });
    expect(finalized.status).toBe(200);
    const read = (await (await fetch(`${appliance.url}/api/registrations/${id}`)).json()) as {
      status: string;
      document: { documentNumber: string };
    };
    expect(read.status).toBe('finalized');
    expect(read.document.documentNumber).toBe('FN123456');
    expect(appliance.store.outbox.depth()).toBe(1);
    expect(appliance.store.audit.verify().ok).toBe(true);
  });

  it('tells the socket a tampered passport failed its check digits and refuses to finalize it', async () => {
    const scanned = next<{ scanId: string; document: { valid: boolean; warnings: { code: string }[] } }>(socket, 'document:scanned');
    await fetch(`${appliance.url}/api/simulator/mrz/scan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sample: 2, tampered: true }),
    });
    const event = await scanned;
    expect(event.document.valid).toBe(false);
    expect(event.document.warnings.map((w) => w.code)).toContain('CHECK_DIGIT_FAILED');

    const { id } = (await (
      await fetch(`${appliance.url}/api/registrations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ officerId: 'BBR-017' }),
      })
    ).json()) as { id: string };
    await fetch(`${appliance.url}/api/registrations/${id}/document`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scanId: event.scanId }),
    });
    const fin = await fetch(`${appliance.url}/api/registrations/${id}/finalize`, { method: 'POST' });
    expect(fin.status).toBe(422);
    expect(((await fin.json()) as { message: string }).message).toMatch(/check digits/);
  });

  it('reports the reader disconnected when it is unplugged and connected again when it comes back', async () => {
    const sim = appliance.mrz.simulator;
    if (!sim) throw new Error('expected a simulated reader');
    const down = next(socket, 'device:state', (s: { state: string }) => s.state === 'disconnected');
    await sim.unplug();
    await down;
    const health = (await (await fetch(`${appliance.url}/healthz`)).json()) as { status: string };
    expect(health.status).toBe('degraded');
    const up = next(socket, 'device:state', (s: { state: string }) => s.state === 'connected');
    await sim.replug();
    await up;
    const again = next<{ document: { valid: boolean } }>(socket, 'document:scanned');
    await sim.scan((await import('@lmc/appliance/devices/sample-documents.ts')).sampleDocumentLines(3));
    expect((await again).document.valid).toBe(true);
  });
});
