import type { RegistrationDetails } from './details-validator.ts';

/**
 * Test support: a complete, valid `PUT /api/registrations/:id/details` body against the shipped reference seed
 * (central/src/reference/seed), consent read in the migrant's language. Import only from tests.
 */
export function completeDetailsBody(language: 'en' | 'sn' | 'nd', over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    phone: '077 123 4567',
    homeProvince: 'ZW-MS',
    homeDistrict: 'ZW-MS-BEITBRIDGE',
    education: 'secondary-o-level',
    occupationIsco: '9211',
    employerId: 'DEMO-EMP-001',
    vacancyId: 'DEMO-VAC-001',
    nextOfKin: { name: 'Rudo Moyo', relationship: 'spouse', phone: '+27 82 555 0101' },
    language,
    consent: { given: true, language, readAt: '2026-11-23T09:58:00Z' },
    ...over,
  };
}

/** Details as the repository holds them after a save (Shona, consent given, no employer chosen). */
export const SAVED_DETAILS: RegistrationDetails = {
  phone: '+263771234567',
  homeProvince: 'ZW-MS',
  homeProvinceName: 'Matabeleland South',
  homeDistrict: 'ZW-MS-BEITBRIDGE',
  homeDistrictName: 'Beitbridge',
  education: 'secondary-o-level',
  occupationIsco: '9211',
  occupationTitle: 'Crop farm labourers',
  employerId: null,
  employerName: null,
  vacancyId: null,
  vacancyTitle: null,
  jobOffer: null,
  destinationProvince: 'ZA-LP',
  nextOfKin: { name: 'Rudo Moyo', relationship: 'spouse', phone: null },
  language: 'sn',
  consent: { given: true, language: 'sn', readAt: '2026-11-23T09:58:00Z', recordedAt: '2026-11-23T09:58:30Z' },
};
