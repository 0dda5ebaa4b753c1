import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningAppliance } from '@lmc/appliance/start.ts';
import { decodeBarcodeImage } from '@lmc/appliance/barcodes/barcode-decoder.ts';

/** zxing, as a verifier's phone reads the paper (the appliance's own multi-scale decoder). */
const decodeQrFromPng = (png: Buffer): string => decodeBarcodeImage(png).text;
import { generateMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import { type LiveAppliance, startLiveAppliance } from '../support/live-appliance.ts';
import { CONSENTED_DETAILS as DETAILS, nextSocketEvent as next } from '../support/registration-fixtures.ts';



type JobEvent = { change: string; job: { id: string; status: string; lastError: { code: string; message: string } | null } };

/**
 * A receipt end to end through a listening appliance: finalize over HTTP, ask for the receipt, the job
 * crosses the durable queue to the ESC/POS simulator over a real pty, progress arrives on socket.io as
 * print:job, the printed paper (PNG) carries a QR that zxing reads and the verify route confirms.
 */
describe('receipt printing through a listening appliance', () => {
  let appliance: RunningAppliance;
  let socket: Socket;
  let cookie: string;
  let live: LiveAppliance | undefined;
  const api = (path: string, init: RequestInit & { json?: unknown } = {}) =>
    globalThis.fetch(`${appliance.url}${path}`, {
      ...init,
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
      headers: { ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}), ...(init.headers as Record<string, string>), cookie },
    });

  const finalizedRegistration = async (surname: string) => {
    const created = await api('/api/registrations', { method: 'POST', json: { officerId: 'BBR-017' } });
    const { id } = (await created.json()) as { id: string };
    const lines = generateMrz({
      format: 'TD3', documentCode: 'P', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'FN123456',
      surname, givenNames: 'TENDAI', sex: 'M', birthDate: '950314', expiryDate: '300101',
    });
    expect((await api(`/api/registrations/${id}/document`, { method: 'PUT', json: { lines } })).status).toBe(200);
    expect((await api(`/api/registrations/${id}/details`, { method: 'PUT', json: DETAILS })).status).toBe(200);
    expect((await api(`/api/registrations/${id}/finalize`, { method: 'POST' })).status).toBe(200);
    return id;
  };

  beforeAll(async () => {
    live = await startLiveAppliance('printing-it-', {
      devices: { mrz: { transport: 'none' }, fingerprint: { transport: 'none' }, printer: { transport: 'simulator', paperWidth: 80, baudRate: 115200 } },
    }, 'printer');
    ({ appliance, socket, cookie } = live);
  });

  afterAll(async () => {
    await live?.close();
  });

  it('prints the receipt, pushes print:job, and the paper\'s QR verifies as genuine with the record', async () => {
    const id = await finalizedRegistration('MOYO');
    const done = next<JobEvent>(socket, 'print:job', (e) => e.change === 'done');
    const res = await api(`/api/registrations/${id}/receipt`, { method: 'POST', json: { language: 'en' } });
    expect(res.status).toBe(202);
    const job = (await res.json()) as { id: string };
    expect((await done).job).toMatchObject({ id: job.id, status: 'done' });

    const png = await api('/api/simulator/printer/last-receipt.png');
    expect(png.headers.get('content-type')).toBe('image/png');
    const paper = Buffer.from(await png.arrayBuffer());
    writeFileSync(join(tmpdir(), 'printing-it-receipt.png'), paper); // for a person to look at
    const qr = decodeQrFromPng(paper);
    expect(qr).toMatch(/^ZLMC1\./);

    const byText = await api('/api/receipts/verify', { method: 'POST', json: { qr } });
    expect(await byText.json()).toMatchObject({ genuine: true, claims: { registrationId: id, officeCode: 'BBR' }, record: { name: 'MOYO, TENDAI' } });
    const byPhoto = await api('/api/receipts/verify', { method: 'POST', body: paper, headers: { 'content-type': 'image/png' } });
    expect(await byPhoto.json()).toMatchObject({ genuine: true, record: { documentNumberMasked: 'F****456' } });

    const devices = (await (await api('/healthz')).json()) as { devices: Array<{ device: string; state: string; simulated: boolean }> };
    expect(devices.devices).toEqual(expect.arrayContaining([expect.objectContaining({ device: 'printer', state: 'connected', simulated: true })]));
  });

  it('reports paper out on the socket, fails the job with the officer message, and reprints it after the roll is changed', async () => {
    const id = await finalizedRegistration('NCUBE');
    const paperOut = next<{ device: string; state: string; reason?: string }>(socket, 'device:state', (s) => s.device === 'printer' && s.reason === 'paper out');
    const failed = next<JobEvent>(socket, 'print:job', (e) => e.change === 'failed');
    expect((await api('/api/simulator/printer', { method: 'POST', json: { paperOutAfterBytes: 300 } })).status).toBe(200);
    const { id: jobId } = (await (await api(`/api/registrations/${id}/receipt`, { method: 'POST', json: { language: 'nd' } })).json()) as { id: string };
    expect((await failed).job).toMatchObject({ id: jobId, status: 'failed', lastError: { code: 'PRINTER_PAPER_OUT' } });
    expect((await paperOut).state).toBe('error');

    // The driver clears the printer's buffer after a failed job (DLE DC4 8); only then is the roll changed,
    // as at a real counter, so the half-sent job cannot come out when the paper is back.
    let before = { receiptsPrinted: 0, heldCommands: 1 };
    await vi.waitFor(async () => {
      before = (await (await api('/api/simulator/printer', { method: 'POST', json: {} })).json()) as typeof before;
      expect(before.heldCommands).toBe(0);
    });
    const ready = next<{ device: string; state: string }>(socket, 'device:state', (s) => s.device === 'printer' && s.state === 'connected');
    await api('/api/simulator/printer', { method: 'POST', json: { paperOut: false } });
    await ready;
    const done = next<JobEvent>(socket, 'print:job', (e) => e.change === 'done' && e.job.id === jobId);
    expect((await api(`/api/print-jobs/${jobId}/reprint`, { method: 'POST' })).status).toBe(202);
    await done;
    expect((await api(`/api/print-jobs/${jobId}/reprint`, { method: 'POST' })).status).toBe(409);
    const after = (await (await api('/api/simulator/printer', { method: 'POST', json: {} })).json()) as { receiptsPrinted: number };
    expect(after.receiptsPrinted).toBe(before.receiptsPrinted + 1);
  });
});
