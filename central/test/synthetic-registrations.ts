import { mulberry32 } from '@lmc/core/seeded-random.ts';

function pick<T>(rand: () => number, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((n, [, w]) => n + w, 0);
  let x = rand() * total;
  for (const [v, w] of items) {
    x -= w;
    if (x < 0) return v;
  }
  return items[items.length - 1]![0];
}

export interface SyntheticRegistration {
  office: string;
  finalized_at: string;
  sex: string;
  birth_date: string;
  nationality: string;
  district: string;
  occupation: string;
  destination: string;
  employer: string;
  is_returning: boolean;
}

export function syntheticRegistrations(n: number, seed: number): SyntheticRegistration[] {
  const rand = mulberry32(seed);
  const out: SyntheticRegistration[] = [];
  for (let i = 0; i < n; i++) {
    const month = 1 + Math.floor(rand() * 12);
    const day = 1 + Math.floor(rand() * 28);
    out.push({
      office: pick(rand, [['BBR', 50], ['CHR', 25], ['MSV', 15], ['HRE', 10]]),
      finalized_at: `2025-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T10:00:00+02:00`,
      sex: pick(rand, [['F', 60], ['M', 39], ['X', 1]]),
      birth_date: `${1960 + Math.floor(rand() * 46)}-06-15`,
      nationality: pick(rand, [['ZWE', 95], ['MOZ', 4], ['ZMB', 1]]),
      district: pick(rand, [['Gwanda', 40], ['Beitbridge', 25], ['Chiredzi', 12], ['Masvingo', 10], ['Mwenezi', 6], ['Bulawayo', 4], ['Harare', 2], ['Binga', 1]]),
      occupation: pick(rand, [['9211', 45], ['6111', 25], ['7112', 15], ['5120', 10], ['8322', 5]]),
      destination: pick(rand, [['ZA-LP', 70], ['ZA-MP', 25], ['ZA-GP', 5]]),
      employer: pick(rand, [['EMP-1', 40], ['EMP-2', 25], ['EMP-3', 15], ['EMP-4', 10], ['EMP-5', 7], ['EMP-6', 3]]),
      is_returning: rand() < 0.3,
    });
  }
  return out;
}
