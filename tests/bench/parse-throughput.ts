import { performance } from 'node:perf_hooks';
import { parse as mrzParse } from 'mrz';
import { generateMrz, type MrzSpec, parseMrz } from '@lmc/firmware-bridge/mrz/index.ts';

/** A deterministic corpus of valid TD1/TD2/TD3 documents (the formats both parsers accept). */
export function corpus(size: number): string[][] {
  const formats: MrzSpec['format'][] = ['TD3', 'TD1', 'TD2'];
  const names = ['MOYO', 'NCUBE', 'DUBE', 'SIBANDA', 'CHIKWANHA', 'MUTASA', 'NYATHI', 'MPOFU'];
  const out: string[][] = [];
  for (let i = 0; i < size; i++) {
    const format = formats[i % formats.length] as MrzSpec['format'];
    out.push(
      generateMrz({
        format,
        documentCode: format === 'TD3' ? 'P' : 'I',
        issuingState: 'ZWE',
        nationality: 'ZWE',
        documentNumber: `AB${String(100000 + i * 7)}`,
        surname: names[i % names.length] as string,
        givenNames: names[(i + 3) % names.length] as string,
        sex: i % 2 ? 'F' : 'M',
        birthDate: `${String(70 + (i % 30)).padStart(2, '0')}0${1 + (i % 9)}1${i % 10}`,
        expiryDate: `3${i % 5}0${1 + (i % 9)}15`,
      }),
    );
  }
  return out;
}

function opsPerSecond(run: (doc: string[]) => unknown, docs: string[][], minMs: number): number {
  for (const d of docs.slice(0, 200)) run(d); // warm-up
  let n = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (const d of docs) run(d);
    n += docs.length;
    elapsed = performance.now() - t0;
  }
  return (n / elapsed) * 1000;
}

export function benchParse(size = 600, minMs = 1500): { ours: number; mrzPackage: number; allValid: boolean } {
  const docs = corpus(size);
  const allValid = docs.every((d) => parseMrz(d).valid && (mrzParse(d) as { valid: boolean }).valid);
  const now = new Date();
  const ours = opsPerSecond((d) => parseMrz(d, { now }), docs, minMs);
  const mrzPackage = opsPerSecond((d) => mrzParse(d), docs, minMs);
  return { ours, mrzPackage, allValid };
}
