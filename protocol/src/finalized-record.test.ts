import { describe, expect, it } from 'vitest';
import { buildFinalizedRecord, finalizedRecordProblem, isFinalizedRecord, parseFinalizedRecord } from './finalized-record.ts';

const registration = {
  id: '3b7c1f5e-8d4a-4e3b-9a6f-0c2d1e4b5a69',
  officeCode: 'BBR',
  officerId: 'BBR-017',
  status: 'finalized' as const,
  createdAt: '2026-11-23T08:00:00.000Z',
  updatedAt: '2026-11-23T08:05:00.000Z',
  finalizedAt: '2026-11-23T08:05:00.000Z',
  version: 3,
  document: { format: 'TD3', documentNumber: 'GA771204', sex: 'F', birthDate: '2000-07-22', nationality: 'ZWE', valid: true, lines: [], optional1: 'kept' },
};
const sha = 'ab'.repeat(32);
const face = { finger: 'dg2', kind: 'face' as const, blobId: 'f1', sha256: sha, bytes: 15_200, keyId: 'a1b2c3d4e5f60718', templateFormat: null };
const chip = { status: 'read' as const, code: null, accessControl: 'bac' as const, paOutcome: 'genuine' as const, dg1Match: true, face: { sha256: sha, mime: 'image/jpeg' as const, bytes: 15_000 }, readAt: '2026-11-23T08:01:00.000Z' };

// Outbox payloads as rows of each schema generation hold them (written by the triggers before the finalize service).
const generations: Record<string, unknown> = {
  'registration only (no reader, no details: tools)': { type: 'registration.finalized', payloadVersion: 1, registration },
  'fingerprints migration: summary, templates kept on the appliance': {
    type: 'registration.finalized',
    payloadVersion: 1,
    registration,
    fingerprints: { captured: 1, exceptions: [{ finger: 'left-index', reason: 'bandaged' }], templates: 'kept-on-appliance' },
  },
  'details migration: details and returning': {
    type: 'registration.finalized',
    payloadVersion: 1,
    registration,
    details: { homeDistrict: 'ZW-MS-BEITBRIDGE', occupationIsco: '9211', destinationProvince: 'ZA-LP', employerId: null, phone: null },
    returning: false,
  },
  'fingerprint-blobs migration: sealed blobs (a pre-digest one with sha256 null), no sealed blob at all': {
    type: 'registration.finalized',
    payloadVersion: 1,
    registration,
    fingerprints: { captured: 1, exceptions: [], templates: 'sealed-in-biometrics' },
    biometrics: [
      { finger: 'right-index', kind: 'template', blobId: 'b1', sha256: sha, bytes: 549, keyId: 'a1b2c3d4e5f60718', templateFormat: 'zfm-r30x' },
      { finger: 'right-index', kind: 'image', blobId: 'b2', sha256: null, bytes: 237, keyId: 'a1b2c3d4e5f60718', templateFormat: 'zfm-r30x' },
    ],
    details: { homeDistrict: 'ZW-MS-BEITBRIDGE' },
    returning: true,
  },
  'every finger excused': {
    type: 'registration.finalized',
    payloadVersion: 1,
    registration,
    fingerprints: { captured: 0, exceptions: [{ finger: 'left-thumb', reason: 'amputated' }], templates: 'sealed-in-biometrics' },
    biometrics: [],
  },
  'the chip face forwarded (issue #18): a face entry, every finger excused': {
    type: 'registration.finalized',
    payloadVersion: 1,
    registration,
    fingerprints: { captured: 0, exceptions: [], templates: 'sealed-in-biometrics' },
    biometrics: [face],
    chip,
  },
  'a PACE read and a JPEG 2000 face (issue #18: accessProtocol)': {
    type: 'registration.finalized',
    payloadVersion: 1,
    registration,
    fingerprints: { captured: 0, exceptions: [], templates: 'sealed-in-biometrics' },
    biometrics: [face],
    chip: { ...chip, accessProtocol: 'pace', face: { ...chip.face, mime: 'image/jp2' } },
  },
};


describe('FinalizedRecordV1', () => {
  it.each(Object.entries(generations))('reads an outbox row of its time: %s', (_name, payload) => {
    expect(finalizedRecordProblem(payload)).toBeNull();
    expect(parseFinalizedRecord(payload)).toBe(payload);
  });

  it.each([
    ['another version', { payloadVersion: 2 }, '/payloadVersion'],
    ['another event', { type: 'registration.created' }, '/type'],
    ['a key the record does not have', { note: 'x' }, '/note'],
    ['a registration not finalized', { registration: { ...registration, status: 'captured' } }, '/registration/status'],
    ['returning without details', { returning: true }, '/returning'],
    ['details without returning', { details: {} }, '/returning'],
    ['biometrics without a summary', { biometrics: [] }, '/biometrics'],
    ['a print beside a face without a summary', { chip, biometrics: [face, { ...face, finger: 'right-index', kind: 'template', blobId: 'b1' }] }, '/biometrics'],
    ['a face without the chip summary', { biometrics: [face] }, '/biometrics'],
    ['an access protocol the chip section does not know', { chip: { ...chip, accessProtocol: 'eac' } }, '/chip/accessProtocol'],
    ['a face whose chip read has no face', { chip: { ...chip, face: null }, biometrics: [face] }, '/biometrics'],
    ['a digest that is not SHA-256 hex', { fingerprints: { captured: 1, exceptions: [], templates: 'sealed-in-biometrics' }, biometrics: [{ finger: 'f', kind: 'template', blobId: 'b', sha256: 'x', bytes: 1, keyId: '', templateFormat: null }] }, '/biometrics/0/sha256'],
  ])('refuses %s', (_name, change, path) => {
    const payload = { type: 'registration.finalized', payloadVersion: 1, registration, ...change };
    expect(isFinalizedRecord(payload)).toBe(false);
    expect(finalizedRecordProblem(payload)).toContain(path);
    expect(() => parseFinalizedRecord(payload)).toThrow(expect.objectContaining({ code: 'FINALIZED_RECORD_INVALID' }));
  });

  it('refuses what is not an object at all', () => {
    for (const v of [null, 'registration.finalized', [], 42]) expect(isFinalizedRecord(v)).toBe(false);
  });

  it('builds the keys in the order the outbox has always held them, and only the parts given', () => {
    const full = buildFinalizedRecord({
      registration,
      details: { details: { homeDistrict: 'ZW-MS-BEITBRIDGE' }, returning: true },
      fingerprints: { fingerprints: { captured: 0, exceptions: [], templates: 'sealed-in-biometrics' }, biometrics: [] },
    });
    expect(Object.keys(full)).toEqual(['type', 'payloadVersion', 'registration', 'fingerprints', 'biometrics', 'details', 'returning']);
    expect(isFinalizedRecord(full)).toBe(true);
    expect(buildFinalizedRecord({ registration })).toEqual(generations['registration only (no reader, no details: tools)']);
  });

  it('lists the chip face after the prints, and alone (biometrics without fingerprints) at a post without a reader', () => {
    const print = { finger: 'right-index', kind: 'template' as const, blobId: 'b1', sha256: sha, bytes: 549, keyId: 'a1b2c3d4e5f60718', templateFormat: 'zfm-r30x' };
    const both = buildFinalizedRecord({ registration, chip, face, fingerprints: { fingerprints: { captured: 1, exceptions: [], templates: 'sealed-in-biometrics' }, biometrics: [print] } });
    expect(both.biometrics).toEqual([print, face]);
    expect(isFinalizedRecord(both)).toBe(true);
    const alone = buildFinalizedRecord({ registration, chip, face, details: { details: {}, returning: false } });
    expect(Object.keys(alone)).toEqual(['type', 'payloadVersion', 'registration', 'biometrics', 'details', 'returning', 'chip']);
    expect(alone.biometrics).toEqual([face]);
    expect(finalizedRecordProblem(alone)).toBeNull();
  });
});
