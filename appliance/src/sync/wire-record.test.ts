import { describe, expect, it } from 'vitest';
import { canonicalJson } from '@lmc/core/canonical-json.ts';
import type { FinalizedRecordV1 } from '@lmc/protocol/finalized-record.ts';
import { STATISTICS_CASES } from '@lmc/protocol/statistics-test-support.ts';
import type { OutboxEvent } from '../store/index.ts';
import { toWireRecord } from './wire-record.ts';

const registration: FinalizedRecordV1['registration'] = {
  id: '3b7c1f5e-8d4a-4e3b-9a6f-0c2d1e4b5a69',
  officeCode: 'BBR',
  officerId: 'BBR-017',
  status: 'finalized',
  createdAt: '2026-11-23T08:00:00.000Z',
  updatedAt: '2026-11-23T08:05:00.000Z',
  finalizedAt: '2026-11-23T08:05:00.000Z',
  version: 3,
  document: { format: 'TD3', sex: 'F', birthDate: '2000-07-22', nationality: 'ZWE', documentNumber: 'GA771204', valid: true, lines: [] },
};

function event(payload: unknown): OutboxEvent {
  return { seq: 1, registrationId: registration.id, eventType: 'registration.finalized', payload, createdAt: '2026-11-23T08:05:00.000Z', attempts: 0, lastError: null, wireJson: null };
}

// Golden texts and digests: the canonical JSON (RFC 8785) of each expected wire payload written out by hand, and its
// SHA-256 computed once outside the implementation:
//   node -e "console.log(require('crypto').createHash('sha256').update(process.argv[1]).digest('hex'))" '<text>'
const DOCUMENT_ONLY_TEXT =
  '{"birthDate":"2000-07-22","nationality":"ZWE","payloadVersion":1,"registration":{"createdAt":"2026-11-23T08:00:00.000Z",' +
  '"document":{"birthDate":"2000-07-22","documentNumber":"GA771204","format":"TD3","lines":[],"nationality":"ZWE","sex":"F","valid":true},' +
  '"finalizedAt":"2026-11-23T08:05:00.000Z","id":"3b7c1f5e-8d4a-4e3b-9a6f-0c2d1e4b5a69","officeCode":"BBR","officerId":"BBR-017",' +
  '"status":"finalized","updatedAt":"2026-11-23T08:05:00.000Z","version":3},"sex":"F"}';
const DOCUMENT_ONLY_SHA256 = '39e32b0499de62706af048a9a3ccd9b531e229b9a2a84118660c240aad1a78ab';

const FULL_TEXT =
  '{"biometrics":[{"blobId":"6f0c2a4e-1b3d-4c5e-8f7a-9b0c1d2e3f40","bytes":549,"finger":"right-index","keyId":"a1b2c3d4e5f60718",' +
  '"kind":"template","sha256":"5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8","templateFormat":"zfm-r30x"}],' +
  '"birthDate":"2000-07-22","destinationProvince":"ZA-LP","details":{"destinationProvince":"ZA-LP","employerId":"DEMO-EMP-001",' +
  '"homeDistrict":"ZW-MS-BEITBRIDGE","occupationIsco":"9211","phone":"+263771234567"},"districtOfOrigin":"ZW-MS-BEITBRIDGE",' +
  '"employerId":"DEMO-EMP-001","fingerprints":{"captured":1,"exceptions":[{"finger":"left-index","reason":"bandaged"}],' +
  '"templates":"sealed-in-biometrics"},"nationality":"ZWE","occupationIsco":"9211","payloadVersion":1,"registration":{' +
  '"createdAt":"2026-11-23T08:00:00.000Z","document":{"birthDate":"2000-07-22","documentNumber":"GA771204","format":"TD3","lines":[],' +
  '"nationality":"ZWE","sex":"F","valid":true},"finalizedAt":"2026-11-23T08:05:00.000Z","id":"3b7c1f5e-8d4a-4e3b-9a6f-0c2d1e4b5a69",' +
  '"officeCode":"BBR","officerId":"BBR-017","status":"finalized","updatedAt":"2026-11-23T08:05:00.000Z","version":3},"returning":true,"sex":"F"}';
const FULL_SHA256 = '9e071fce54d86efb76b4f7ca7926b92f273a5209f376d5bf2faae676deda79b6';

const details = { homeDistrict: 'ZW-MS-BEITBRIDGE', occupationIsco: '9211', destinationProvince: 'ZA-LP', employerId: 'DEMO-EMP-001', phone: '+263771234567' };
const fingerprints = { captured: 1, exceptions: [{ finger: 'left-index', reason: 'bandaged' }], templates: 'sealed-in-biometrics' as const };
const sealed = { finger: 'right-index', kind: 'template' as const, blobId: '6f0c2a4e-1b3d-4c5e-8f7a-9b0c1d2e3f40', sha256: '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8', bytes: 549, keyId: 'a1b2c3d4e5f60718', templateFormat: 'zfm-r30x' };

describe('outbox event → central wire record', () => {
  it('lifts the statistics fields out of the MRZ document; the payload and its hash are the golden ones', () => {
    const record: FinalizedRecordV1 = { type: 'registration.finalized', payloadVersion: 1, registration };
    const rec = toWireRecord(event(record));
    expect(rec).toMatchObject({ id: registration.id, eventType: 'registration.finalized', officeCode: 'BBR', finalizedAt: registration.finalizedAt });
    expect(canonicalJson(rec.payload)).toBe(DOCUMENT_ONLY_TEXT);
    expect(rec.contentHash).toBe(DOCUMENT_ONLY_SHA256);
  });

  it('carries details whole with their counted fields lifted out, returning, the capture summary and the forwardable blobs: golden payload and hash', () => {
    // A blob without a digest (sealed before the vault kept them) is not forwarded.
    const predigest = { ...sealed, kind: 'image' as const, blobId: '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d', sha256: null, bytes: 237 };
    const record: FinalizedRecordV1 = { type: 'registration.finalized', payloadVersion: 1, registration, fingerprints, biometrics: [sealed, predigest], details, returning: true };
    const rec = toWireRecord(event(record));
    expect(canonicalJson(rec.payload)).toBe(FULL_TEXT);
    expect(rec.contentHash).toBe(FULL_SHA256);
    // References and digests only: nothing in the record is a template, image or key.
    expect(JSON.stringify(rec)).not.toMatch(/"(template|image|key)"\s*:/);
  });

  it('leaves out what is absent or not recognised, and still counts the rest', () => {
    const without = toWireRecord(event({ type: 'registration.finalized', payloadVersion: 1, registration }));
    for (const key of ['fingerprints', 'biometrics', 'details', 'returning', 'districtOfOrigin']) expect(without.payload).not.toHaveProperty(key);
    const odd = toWireRecord(event({ type: 'registration.finalized', payloadVersion: 1, registration, details: { ...details, occupationIsco: 'farmer', employerId: null }, returning: 'yes' }));
    expect(odd.payload).not.toHaveProperty('occupationIsco');
    expect(odd.payload).not.toHaveProperty('employerId');
    expect(odd.payload).not.toHaveProperty('returning');
    expect(odd.payload.districtOfOrigin).toBe('ZW-MS-BEITBRIDGE');
  });

  it('never throws on a payload that is not a finalized record', () => {
    for (const payload of [null, 'text', [], { registration: 'x' }, { registration: { document: 7 } }]) {
      expect(toWireRecord(event(payload))).toMatchObject({ id: registration.id, officeCode: '', finalizedAt: '2026-11-23T08:05:00.000Z' });
    }
  });

  describe('the statistics table shared with the central (protocol/src/statistics-test-support.ts)', () => {
    // Where each field sits in the finalized record.
    const place = (field: string, input: unknown): FinalizedRecordV1 => {
      const record = { type: 'registration.finalized', payloadVersion: 1, registration: { ...registration, document: { valid: true, lines: [] } as Record<string, unknown> } } as Record<string, unknown> & {
        registration: { document: Record<string, unknown> };
      };
      const inDetails: Record<string, string> = { districtOfOrigin: 'homeDistrict', occupationIsco: 'occupationIsco', destinationProvince: 'destinationProvince', employerId: 'employerId' };
      if (field === 'sex' || field === 'birthDate' || field === 'nationality') record.registration.document[field] = input;
      else if (field === 'returning') Object.assign(record, { details: {}, returning: input });
      else Object.assign(record, { details: { [inDetails[field] as string]: input }, returning: false });
      return record as unknown as FinalizedRecordV1;
    };
    it.each(STATISTICS_CASES.map((c) => [c.field, JSON.stringify(c.input) ?? String(c.input), c.expected, c.input] as const))(
      '%s %s → %j',
      (field, _shown, expected, input) => {
        const payload = toWireRecord(event(place(field, input))).payload;
        if (expected === null) expect(payload).not.toHaveProperty(field);
        else expect(payload[field]).toBe(expected);
      },
    );
  });
});
