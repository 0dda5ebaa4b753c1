import { describe, expect, it } from 'vitest';
import { normalisePhone } from './details-rules.ts';

describe('phone numbers typed at the counter → E.164', () => {
  it('normalises Zimbabwe national, international and E.164 forms to one E.164 number', () => {
    for (const typed of ['0771234567', '077 123 4567', '077-123-4567', '+263771234567', '+263 77 123 4567', '00263771234567', '263771234567']) {
      expect(normalisePhone(typed), typed).toBe('+263771234567');
    }
    expect(normalisePhone('(0242) 123 456')).toBe('+263242123456'); // Harare landline
    expect(normalisePhone('+27 82 555 0101')).toBe('+27825550101'); // a next of kin in South Africa
  });

  it('refuses what is not a number, too short or long, or a trunk 0 after the country code', () => {
    for (const typed of ['', 'call me', '12345', '077123', '07712345678901', '+263 0771234567', '+0771234567', '+1234567890123456', '077 123 4567 ext 2']) {
      expect(normalisePhone(typed), typed).toBeNull();
    }
  });
});
