/** Names of the statistics' codes, as ILO and ISO publish them (English: the Ministry's working language). */

export const SEX: Record<string, string> = { M: 'Men', F: 'Women', X: 'Unspecified' };

/** ISCO-08 major groups (ILO, International Standard Classification of Occupations 2008). */
export const ISCO_MAJOR: Record<string, string> = {
  '0': 'Armed forces occupations',
  '1': 'Managers',
  '2': 'Professionals',
  '3': 'Technicians and associate professionals',
  '4': 'Clerical support workers',
  '5': 'Service and sales workers',
  '6': 'Skilled agricultural, forestry and fishery workers',
  '7': 'Craft and related trades workers',
  '8': 'Plant and machine operators, and assemblers',
  '9': 'Elementary occupations',
};

/** ISCED 2011 levels as the central counts them (protocol/src/statistics.ts educationIscedOrNull). */
export const ISCED: Record<string, string> = {
  '0': 'ISCED 0 · less than primary',
  '1': 'ISCED 1 · primary',
  '2': 'ISCED 2 · lower secondary',
  '3': 'ISCED 3 · upper secondary',
  '4': 'ISCED 4 · post-secondary non-tertiary',
  '5T8': 'ISCED 5–8 · tertiary',
};

/** ISO 3166-2:ZA provinces (the destinations of the vacancies). */
export const PROVINCES: Record<string, string> = {
  'ZA-LP': 'Limpopo',
  'ZA-MP': 'Mpumalanga',
  'ZA-GP': 'Gauteng',
  'ZA-NW': 'North West',
  'ZA-KZN': 'KwaZulu-Natal',
  'ZA-FS': 'Free State',
  'ZA-NC': 'Northern Cape',
  'ZA-EC': 'Eastern Cape',
  'ZA-WC': 'Western Cape',
};

/** ISO 3166-1 alpha-3 codes the counters meet most (SADC and neighbours); others show as their code. */
export const COUNTRIES: Record<string, string> = {
  ZWE: 'Zimbabwe',
  ZAF: 'South Africa',
  MOZ: 'Mozambique',
  MWI: 'Malawi',
  ZMB: 'Zambia',
  BWA: 'Botswana',
  NAM: 'Namibia',
  LSO: 'Lesotho',
  SWZ: 'Eswatini',
  AGO: 'Angola',
  COD: 'DR Congo',
  TZA: 'Tanzania',
};

export const OFFICES: Record<string, string> = { BBR: 'Beitbridge', CHR: 'Chiredzi', MSV: 'Masvingo', HRE: 'Harare' };

/** The label of one dimension value; null is "Unknown" (not recorded or not recognised). */
export function valueLabel(dimension: string, value: string | null): string {
  if (value === null) return 'Unknown';
  const table: Record<string, Record<string, string>> = {
    sex: SEX,
    occupation: ISCO_MAJOR,
    education: ISCED,
    destination: PROVINCES,
    destinationCountry: COUNTRIES,
    countryOfBirth: COUNTRIES,
    nationality: COUNTRIES,
    office: OFFICES,
  };
  const name = table[dimension]?.[value];
  if (dimension === 'occupation' && name) return `${value} ${name}`;
  return name ?? value;
}
