/**
 * The passport chip in the appliance, end to end over the real PC/SC path: the appliance's chip reader is
 * `devices.chip.transport = "pcsc"` on vsmartcard-vpcd's "Virtual PCD 00 00" inside a real pcscd, a simulated chip
 * connects to vpcd as the card, and the simulated MRZ reader scans the data page over its pty. After the scan the
 * appliance reads the chip with the scanned MRZ's BAC key, and the result lands on the registration the scan is
 * attached to: read status, DG1 against the printed MRZ, passive authentication against the CSCA directory, the face
 * sealed at rest, and the chip summary in the finalized record.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAppliance } from '@lmc/appliance/start.ts';
import { SimulatedChip } from '@lmc/firmware-bridge/chip/simulator/sim-card.ts';
import { type ChipKind, createSimPassports, type SimPassport, type SimPassportSet } from '@lmc/firmware-bridge/chip/simulator/sim-passports.ts';
import { VpcdCard } from '@lmc/firmware-bridge/chip/simulator/vpcd-card.ts';
import { CONSENTED_DETAILS, nextSocketEvent as next } from '../support/registration-fixtures.ts';
import { type LiveAppliance, startLiveAppliance } from '../support/live-appliance.ts';
import { ensurePcscd, type Pcscd, VPCD_PORT, VPCD_READER } from '../support/pcscd.ts';

interface ChipEvent {
  scanId: string | null;
  registrationId: string | null;
  status: string;
  progress?: { read: number; total: number };
  result?: ChipResult;
}
interface ChipResult {
  status: string;
  code: string | null;
  dg1: { match: boolean; differingFields: string[] } | null;
  passiveAuthentication: { outcome: string; dataGroups: Record<string, boolean> } | null;
  face: { mime: string; sha256: string; bytes: number; displayable: boolean } | null;
}

let pcscd: Pcscd;
let skipReason: string | null = null;
let set: SimPassportSet;
let live: LiveAppliance | undefined;
let appliance: RunningAppliance;
let socket: Socket;
let cookie: string;
const card: { current: VpcdCard | null } = { current: null };

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${appliance.url}${path}`, {
    method,
    headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') };
};

beforeAll(async () => {
  pcscd = await ensurePcscd();
  skipReason = pcscd.skipReason;
  if (skipReason) return;
  set = await createSimPassports();
  const settings = (dataDir: string) => {
    const cscaDir = join(dataDir, 'csca');
    mkdirSync(cscaDir);
    writeFileSync(join(cscaDir, 'zwe.pem'), set.cscaList);
    return {
      devices: {
        mrz: { transport: 'simulator', baudRate: 9600 },
        fingerprint: { transport: 'none' },
        printer: { transport: 'none' },
        chip: { transport: 'pcsc', reader: VPCD_READER, cscaPath: cscaDir, cardWaitMs: 2500 },
      },
    };
  };
  live = await startLiveAppliance('chip-appliance-', settings, 'chip', 20_000);
  ({ appliance, socket, cookie } = live);
}, 300_000);

afterAll(async () => {
  await card.current?.remove();
  await live?.close();
  await pcscd?.stop();
});

/** Until the appliance's reader sees the field as `present` (an officer lifts one passport before placing the next). */
async function fieldIs(present: boolean): Promise<void> {
  for (let i = 0; i < 100 && appliance.chip.feature.cardPresent !== present; i++) await new Promise((r) => setTimeout(r, 50));
  expect(appliance.chip.feature.cardPresent).toBe(present);
}

async function takeAway(): Promise<void> {
  await card.current?.remove();
  card.current = null;
  await fieldIs(false);
}

function passport(kind: ChipKind): SimPassport {
  const p = set.passports.get(kind);
  if (!p) throw new Error(kind);
  return p;
}

/** Takes any card away, puts the simulated chip of `kind` into the field, and returns its passport. */
async function present(kind: ChipKind): Promise<SimPassport> {
  await takeAway();
  const p = passport(kind);
  card.current = new VpcdCard(new SimulatedChip(p, p.behaviour), { port: VPCD_PORT });
  await card.current.insert();
  await fieldIs(true);
  return p;
}

/** A new registration; the reader scans `lines`; the screen attaches the scan; resolves with the chip's final event. */
async function scanAndAttach(lines: string[]): Promise<{ id: string; event: ChipEvent; progress: ChipEvent[] }> {
  const created = await api('POST', '/api/registrations', { officerId: 'BBR-017' });
  expect(created.status).toBe(201);
  const id = (created.body as { id: string }).id;
  const progress: ChipEvent[] = [];
  const onChip = (e: ChipEvent) => progress.push(e);
  socket.on('chip:read', onChip);
  const scanned = next<{ scanId: string }>(socket, 'document:scanned');
  const done = next<ChipEvent>(socket, 'chip:read', (e) => e.registrationId === id && e.status !== 'reading', 30_000);
  expect((await api('POST', '/api/simulator/mrz/scan', { lines })).status).toBe(202);
  const { scanId } = await scanned;
  expect((await api('PUT', `/api/registrations/${id}/document`, { scanId })).status).toBe(200);
  const event = await done;
  socket.off('chip:read', onChip);
  return { id, event, progress };
}

const chipOf = async (id: string) => ((await api('GET', `/api/registrations/${id}/chip`)).body as { chip: ChipResult }).chip;

describe('appliance reads the passport chip after the MRZ scan (pcscd + vpcd)', () => {
  it('valid chip: read, DG1 equals the printed MRZ, PA genuine, face stored sealed and served, chip summary in the finalized record', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const p = await present('valid');
    const { id, event, progress } = await scanAndAttach(p.mrz);
    expect(event.status).toBe('read');
    expect(progress.some((e) => e.status === 'reading' && (e.progress?.read ?? 0) > 0)).toBe(true);
    const chip = await chipOf(id);
    expect(chip).toMatchObject({ status: 'read', code: null, dg1: { match: true, differingFields: [] }, passiveAuthentication: { outcome: 'genuine', dataGroups: { DG1: true, DG2: true } } });
    const faceSha = createHash('sha256').update(p.face).digest('hex');
    expect(chip.face).toMatchObject({ mime: 'image/jpeg', displayable: true, bytes: p.face.length, sha256: faceSha });

    const face = await api('GET', `/api/registrations/${id}/chip/face`);
    expect(face.status).toBe(200);
    expect(face.type).toBe('image/jpeg');
    expect((face.body as Buffer).equals(p.face)).toBe(true);
    // At rest the face is ciphertext: the JPEG's bytes are nowhere in the row.
    const row = appliance.store.connection.prepare('SELECT face_blob FROM chip_reads WHERE registration_id = ?').get(id) as { face_blob: Buffer };
    expect(row.face_blob.includes(p.face.subarray(0, 64))).toBe(false);
    const viewed = appliance.store.audit.forEntity('registration', id).map((a) => a.action);
    expect(viewed).toEqual(expect.arrayContaining(['chip.read', 'chip.face-viewed']));

    expect((await api('PUT', `/api/registrations/${id}/details`, CONSENTED_DETAILS)).status).toBe(200);
    expect((await api('POST', `/api/registrations/${id}/finalize`)).status).toBe(200);
    const record = appliance.store.outbox.pending(1000).find((e) => e.registrationId === id)?.payload as { chip?: Record<string, unknown> };
    expect(record.chip).toMatchObject({ status: 'read', paOutcome: 'genuine', dg1Match: true, accessControl: 'bac', face: { sha256: faceSha, mime: 'image/jpeg', bytes: p.face.length } });
    expect(JSON.stringify(record)).not.toContain(p.face.subarray(0, 32).toString('base64'));
  }, 90_000);

  it('JPEG 2000 face: the chip answer says converted, the face route serves a JPEG derived in the CPU pool, form=as-read the JP2 as read', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const p = await present('jp2-face');
    const { id } = await scanAndAttach(p.mrz);
    const sha = createHash('sha256').update(p.face).digest('hex');
    const chip = (await chipOf(id)) as ChipResult & { accessProtocol: string; face: { converted?: boolean } };
    expect(chip).toMatchObject({ status: 'read', accessProtocol: 'bac', passiveAuthentication: { outcome: 'genuine' }, face: { mime: 'image/jp2', sha256: sha, displayable: true, converted: true } });
    const shown = await api('GET', `/api/registrations/${id}/chip/face`);
    expect(shown.status).toBe(200);
    expect(shown.type).toBe('image/jpeg');
    const pixels = jpeg.decode(shown.body as Buffer);
    expect([pixels.width, pixels.height]).toEqual([180, 240]);
    const asRead = await api('GET', `/api/registrations/${id}/chip/face?form=as-read`);
    expect(asRead.type).toBe('image/jp2');
    expect((asRead.body as Buffer).equals(p.face)).toBe(true);
    expect((await api('GET', `/api/registrations/${id}/chip/face?form=other`)).status).toBe(400);
  }, 90_000);

  it('PACE chip: the chip answer says accessProtocol pace', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const p = await present('pace');
    const { id } = await scanAndAttach(p.mrz);
    expect(await chipOf(id)).toMatchObject({ status: 'read', accessControl: 'bac', accessProtocol: 'pace', passiveAuthentication: { outcome: 'genuine' } });
  }, 90_000);

  it('tampered DG1 (its hash no longer matches EF.SOD): PA data-altered and DG1 differs from the printed MRZ', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const p = await present('altered-dg1');
    const { id, event } = await scanAndAttach(p.mrz);
    expect(event.result, JSON.stringify(event.result)).toMatchObject({ status: 'read', code: 'CHIP_PA_DATA_ALTERED', passiveAuthentication: { outcome: 'data-altered', dataGroups: { DG1: false, DG2: true } } });
    expect(event.result?.dg1?.match).toBe(false);
    expect(event.result?.dg1?.differingFields).toContain('surname');
    expect(await chipOf(id)).toMatchObject({ passiveAuthentication: { outcome: 'data-altered' } });
  }, 90_000);

  it('wrong BAC key (the MRZ scanned is not this chip\'s): failed with CHIP_ACCESS_DENIED, nothing read', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    await present('valid');
    const other = passport('signer-expired');
    const { id, event } = await scanAndAttach(other.mrz);
    expect(event.result).toMatchObject({ status: 'failed', code: 'CHIP_ACCESS_DENIED', dg1: null, passiveAuthentication: null, face: null });
    expect((await api('GET', `/api/registrations/${id}/chip/face`)).status).toBe(404);
  }, 90_000);

  it('card pulled mid-read: failed CHIP_REMOVED; put back, "read again" reads it genuine', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const p = await present('removed');
    const { id, event } = await scanAndAttach(p.mrz);
    expect(event.result).toMatchObject({ status: 'failed', code: 'CHIP_REMOVED' });
    await fieldIs(false);
    await card.current?.insert();
    await fieldIs(true);
    const again = await api('POST', `/api/registrations/${id}/chip/read`);
    expect(again.status).toBe(200);
    expect(again.body, JSON.stringify(again.body)).toMatchObject({ status: "read", passiveAuthentication: { outcome: "genuine" } });
    expect(await chipOf(id)).toMatchObject({ status: 'read' });
  }, 90_000);

  it('no card in the field: not-present, and the registration still finalizes', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    await takeAway();
    const p = passport('unknown-signer');
    const { id, event } = await scanAndAttach(p.mrz);
    expect(event.result).toMatchObject({ status: 'not-present', code: 'CHIP_NOT_PRESENT' });
    expect((await api('PUT', `/api/registrations/${id}/details`, CONSENTED_DETAILS)).status).toBe(200);
    expect((await api('POST', `/api/registrations/${id}/finalize`)).status).toBe(200);
    const record = appliance.store.outbox.pending(1000).find((e) => e.registrationId === id)?.payload as { chip?: Record<string, unknown> };
    expect(record.chip).toMatchObject({ status: 'not-present', paOutcome: null, dg1Match: null, face: null });
  }, 90_000);
});
