import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { referenceSchema } from './schema.ts';

describe('reference schema (central migration 3)', () => {
  it('is byte for byte the text shipped before its triggers were generated from a table list', () => {
    // SHA-256 of the hand-written migration as shipped (commit e81a582), computed from that source text
    // separately (Python, with ${REFERENCE_WRITE_LOCK_KEY} replaced by 7302115) and checked against the module's export.
    expect(createHash('sha256').update(referenceSchema, 'utf8').digest('hex')).toBe('9147e98cd39af380e455b741d00f33d8ca758663047f74f58b5c74ee93572018');
  });
});
