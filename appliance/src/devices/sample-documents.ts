import { generateMrz, type MrzSpec } from '@lmc/firmware-bridge/mrz/index.ts';

/**
 * Fictional travellers for the simulated reader (training, demos, tests). Zimbabwean passports are TD3;
 * the ICAO specimen state UTO is kept so officers see an "unknown state" warning once in training.
 */
const PEOPLE: MrzSpec[] = [
  { format: 'TD3', documentCode: 'P', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'FN123456', surname: 'MOYO', givenNames: 'TENDAI', sex: 'M', birthDate: '950314', expiryDate: '300101' },
  { format: 'TD3', documentCode: 'P', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'GA771204', surname: 'NCUBE', givenNames: 'SIPHIWE NOMVULA', sex: 'F', birthDate: '000722', expiryDate: '291130' },
  { format: 'TD3', documentCode: 'P', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'EN908172', surname: 'CHIKWANHA', givenNames: 'TAKUDZWA', sex: 'M', birthDate: '881105', expiryDate: '280615' },
  { format: 'TD1', documentCode: 'I', issuingState: 'ZWE', nationality: 'ZWE', documentNumber: 'ZB4455667', surname: 'MUTASA', givenNames: 'RUDO', sex: 'F', birthDate: '920201', expiryDate: '310901' },
  { format: 'TD3', documentCode: 'P', issuingState: 'UTO', nationality: 'UTO', documentNumber: 'L898902C3', surname: 'ERIKSSON', givenNames: 'ANNA MARIA', sex: 'F', birthDate: '740812', expiryDate: '340415' },
];

export type SampleFormat = 'TD1' | 'TD3';

export function sampleDocumentLines(index?: number): string[] {
  const i = index ?? Math.floor(Math.random() * PEOPLE.length);
  const spec = PEOPLE[((i % PEOPLE.length) + PEOPLE.length) % PEOPLE.length];
  if (!spec) throw new Error('no sample documents');
  return generateMrz(spec);
}

export const SAMPLE_COUNT = PEOPLE.length;

/** Changes one digit of the document number without fixing its check digit: a tampered MRZ for training. */
export function tamper(lines: string[]): string[] {
  const out = [...lines];
  const li = out.length === 3 ? 0 : 1;
  const line = out[li] ?? '';
  const pos = out.length === 3 ? 5 : 0;
  const ch = line[pos] ?? '0';
  const replacement = ch === '1' ? '2' : '1';
  out[li] = line.slice(0, pos) + replacement + line.slice(pos + 1);
  return out;
}
