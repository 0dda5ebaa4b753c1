/**
 * The chip service with the in-process simulated reader (no pcscd): a scan starts a read, attaching the scan
 * records it on the registration; no CSCA at all says `no-csca` (signature and hashes still checked); a passport
 * without a chip says `not-present`; attaching another document drops the earlier document's read; the finalized
 * record carries the summary.
 */
import { createHash } from 'node:crypto';
import jpeg from 'jpeg-js';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '@lmc/core/logger.ts';
import { FACE_JP2 } from '@lmc/firmware-bridge/chip/simulator/face-jp2.fixture.ts';
import { parseMrz } from '@lmc/firmware-bridge/mrz/index.ts';
import { ApplianceError } from '../errors.ts';
import { closeSharedCpuPool } from '../workers/cpu-pool.ts';
import { loadOrCreateDataKey } from '../crypto/data-key.ts';
import { sampleDocumentLines } from '../devices/sample-documents.ts';
import type { EventBus } from '../events/event-bus.ts';
import { type ChipRig, openChipRig, scanAndAttach as attachScanned } from './chip-test-support.ts';
import { createFinalizeService } from '../registrations/finalize-service.ts';
import type { Store } from '../store/index.ts';
import type { ChipFeature } from './chip-feature.ts';
import { ChipRepository } from './chip-repository.ts';
import { ChipService } from './chip-service.ts';
import type { CscaTrust } from './csca-trust.ts';

const log = createLogger('chip-test');
let dir: string;
let store: Store;
let bus: EventBus;
let feature: ChipFeature;
let service: ChipService;
let trust: CscaTrust;

let rig: ChipRig;

beforeEach(async () => {
  rig = await openChipRig('chip-service-');
  ({ dir, store, bus, feature } = rig);
  trust = { certificates: [], files: [], refused: [] };
  service = new ChipService({ feature, repository: new ChipRepository(store, loadOrCreateDataKey(dir)), store, bus, trust: () => trust, logger: log });
  service.start();
});

afterAll(() => closeSharedCpuPool());

afterEach(async () => {
  await service.stop();
  await rig.close();
});

const scanAndAttach = (lines: string[], registrationId?: string) => attachScanned(store, bus, lines, registrationId);

describe('chip service (simulated reader)', () => {
  it('no CSCA on the appliance: read, no-csca (hashes and signature still checked), face sealed and the summary in the finalized record', async () => {
    const lines = sampleDocumentLines(0);
    const { id, event } = await scanAndAttach(lines);
    expect(event.result).toMatchObject({ status: 'read', code: null, dg1: { match: true }, passiveAuthentication: { outcome: 'no-csca', signatureValid: true, dataGroups: { DG1: true, DG2: true } } });
    const face = service.face(id);
    expect(face?.mime).toBe('image/jpeg');
    expect(createHash('sha256').update(face?.data ?? Buffer.alloc(0)).digest('hex')).toBe(event.result?.face?.sha256);
    const record = createFinalizeService({ store }).buildRecord({ ...(store.registrations.get(id) as object), status: 'finalized', finalizedAt: new Date().toISOString() } as never);
    expect(record.chip).toMatchObject({ status: 'read', paOutcome: 'no-csca', dg1Match: true, face: { sha256: event.result?.face?.sha256 } });
  });

  it('with the simulated state trusted the same chip is genuine', async () => {
    const { loadCscaList } = await import('@lmc/protocol/csca-list.ts');
    trust = { certificates: (await loadCscaList(feature.simulatedCscaList as Buffer)).certificates, files: [], refused: [] };
    const { event } = await scanAndAttach(sampleDocumentLines(1));
    expect(event.result?.passiveAuthentication?.outcome).toBe('genuine');
  });

  it('a JPEG 2000 face: kept as read (hashed, forwarded), a JPEG derived in the CPU pool is what is shown', async () => {
    if (feature.simulator) feature.simulator.nextKind = 'jp2-face';
    const { id, event } = await scanAndAttach(sampleDocumentLines(3));
    const sha = createHash('sha256').update(FACE_JP2).digest('hex');
    expect(event.result).toMatchObject({ status: 'read', accessProtocol: 'bac', face: { mime: 'image/jp2', width: 180, height: 240, sha256: sha, displayable: true, converted: true, displayProblem: null } });
    expect(service.face(id)?.data.equals(FACE_JP2)).toBe(true);
    const shown = service.displayFace(id);
    expect(shown?.mime).toBe('image/jpeg');
    const pixels = jpeg.decode(shown?.data ?? Buffer.alloc(0));
    expect([pixels.width, pixels.height]).toEqual([180, 240]);
    // At rest the derived JPEG is sealed too.
    const row = store.connection.prepare('SELECT face_display_blob FROM chip_reads WHERE registration_id = ?').get(id) as { face_display_blob: Buffer };
    expect(row.face_display_blob.includes(shown?.data.subarray(0, 64) ?? Buffer.alloc(1))).toBe(false);
    expect(service.slip(id)?.faceJpegBase64).toBe(shown?.data.toString('base64'));
    const record = createFinalizeService({ store }).buildRecord({ ...(store.registrations.get(id) as object), status: 'finalized', finalizedAt: new Date().toISOString() } as never);
    expect(record.chip).toMatchObject({ accessControl: 'bac', accessProtocol: 'bac', face: { sha256: sha, mime: 'image/jp2', bytes: FACE_JP2.length } });
  }, 60_000);

  it('a JPEG 2000 face the decoder refuses: read and kept, not displayable, with the reason', async () => {
    const refusing = new ChipService({
      feature,
      repository: new ChipRepository(store, loadOrCreateDataKey(dir)),
      store,
      bus,
      trust: () => trust,
      logger: log,
      faceToJpeg: () => Promise.reject(new ApplianceError('CHIP_FACE_UNDECODABLE', 'corrupt')),
    });
    await service.stop();
    refusing.start();
    try {
      if (feature.simulator) feature.simulator.nextKind = 'jp2-face';
      const { id, event } = await scanAndAttach(sampleDocumentLines(4));
      expect(event.result).toMatchObject({ status: 'read', face: { mime: 'image/jp2', displayable: false, converted: false, displayProblem: 'CHIP_FACE_UNDECODABLE' } });
      expect(refusing.displayFace(id)).toBeNull();
      expect(refusing.face(id)?.data.equals(FACE_JP2)).toBe(true);
    } finally {
      await refusing.stop();
    }
  });

  it('a PACE chip is said PACE (accessControl stays bac) in the result and the finalized record', async () => {
    if (feature.simulator) feature.simulator.nextKind = 'pace';
    const { id, event } = await scanAndAttach(sampleDocumentLines(5));
    expect(event.result).toMatchObject({ status: 'read', accessControl: 'bac', accessProtocol: 'pace' });
    expect(service.result(id)).toMatchObject({ accessProtocol: 'pace' });
    const record = createFinalizeService({ store }).buildRecord({ ...(store.registrations.get(id) as object), status: 'finalized', finalizedAt: new Date().toISOString() } as never);
    expect(record.chip).toMatchObject({ accessControl: 'bac', accessProtocol: 'pace' });
  }, 60_000);

  it('a read stored before accessProtocol existed is answered with it from accessControl', async () => {
    const { id } = await scanAndAttach(sampleDocumentLines(0));
    const json = JSON.parse((store.connection.prepare('SELECT result_json FROM chip_reads WHERE registration_id = ?').get(id) as { result_json: string }).result_json);
    delete json.accessProtocol;
    store.connection.prepare('UPDATE chip_reads SET result_json = ? WHERE registration_id = ?').run(JSON.stringify(json), id);
    expect(service.result(id)).toMatchObject({ accessControl: 'bac', accessProtocol: 'bac' });
  });

  it('a passport without a chip: not-present', async () => {
    if (feature.simulator) feature.simulator.nextKind = 'no-chip';
    const { event } = await scanAndAttach(sampleDocumentLines(2));
    expect(event.result).toMatchObject({ status: 'not-present', code: 'CHIP_NOT_PRESENT', face: null });
  });

  it("another person's document attached later drops the first document's chip read", async () => {
    const { id } = await scanAndAttach(sampleDocumentLines(0));
    expect(service.result(id)).toMatchObject({ status: 'read' });
    if (feature.simulator) feature.simulator.nextKind = 'no-chip';
    const other = sampleDocumentLines(1);
    const document = parseMrz(other);
    const registration = store.registrations.attachDocument(id, { ...document }, 'o1');
    bus.publish('registration.changed', { registration, change: 'document-attached' });
    expect(service.result(id)).toBeNull();
  });
});
