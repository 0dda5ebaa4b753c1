import { describe, expect, it } from 'vitest';
import { contentHash } from '@lmc/protocol/batch.ts';
import type { OutboxEvent } from '../store/index.ts';
import { toWireRecord } from './wire-record.ts';

const registration = {
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
  return { seq: 1, registrationId: registration.id, eventType: 'registration.finalized', payload, createdAt: '2026-11-23T08:05:00.000Z', attempts: 0 } as unknown as OutboxEvent;
}

describe('outbox event → central wire record', () => {
  it('lifts the statistics fields out of the MRZ document and hashes the payload', () => {
    const rec = toWireRecord(event({ type: 'registration.finalized', payloadVersion: 1, registration }));
    expect(rec).toMatchObject({ id: registration.id, officeCode: 'BBR', finalizedAt: registration.finalizedAt });
    expect(rec.payload).toMatchObject({ sex: 'F', birthDate: '2000-07-22', nationality: 'ZWE' });
    expect(rec.contentHash).toBe(contentHash(rec.payload));
  });

  it('carries the fingerprint capture summary (counts and exceptions) and nothing biometric', () => {
    const fingerprints = { captured: 1, exceptions: [{ finger: 'left-index', reason: 'bandaged' }], templates: 'kept-on-appliance' };
    const rec = toWireRecord(event({ type: 'registration.finalized', payloadVersion: 1, registration, fingerprints }));
    expect(rec.payload.fingerprints).toEqual(fingerprints);
    expect(JSON.stringify(rec)).not.toMatch(/template"?\s*:\s*"[0-9a-f]{32,}/i);
    const without = toWireRecord(event({ type: 'registration.finalized', payloadVersion: 1, registration }));
    expect(without.payload).not.toHaveProperty('fingerprints');
  });

  it('lifts district of origin, occupation, destination and employer out of the details, and whether the migrant returns', () => {
    const details = { homeDistrict: 'ZW-MS-BEITBRIDGE', occupationIsco: '9211', destinationProvince: 'ZA-LP', employerId: 'DEMO-EMP-001', phone: '+263771234567' };
    const rec = toWireRecord(event({ type: 'registration.finalized', payloadVersion: 1, registration, details, returning: true }));
    expect(rec.payload).toMatchObject({ districtOfOrigin: 'ZW-MS-BEITBRIDGE', occupationIsco: '9211', destinationProvince: 'ZA-LP', employerId: 'DEMO-EMP-001', returning: true, details });
    expect(rec.contentHash).toBe(contentHash(rec.payload));
    // A malformed ISCO code is not counted (the central accepts 1 to 4 digits); the rest still is.
    const odd = toWireRecord(event({ type: 'registration.finalized', payloadVersion: 1, registration, details: { ...details, occupationIsco: 'farmer', employerId: null } }));
    expect(odd.payload).not.toHaveProperty('occupationIsco');
    expect(odd.payload).not.toHaveProperty('employerId');
    expect(odd.payload).not.toHaveProperty('returning');
    expect(odd.payload.districtOfOrigin).toBe('ZW-MS-BEITBRIDGE');
  });
});
