import CodepageEncoder, { type Codepage } from '@point-of-sale/codepage-encoder';

/**
 * Character code tables the appliance may select with `ESC t n`, numbered as Epson's
 * ESC/POS reference numbers them (page 0 PC437 USA, 2 PC850 Multilingual, 16 WPC1252,
 * 19 PC858 Euro). The encoder uses the same Epson mapping (`codepageMapping: 'epson'`).
 * English, Shona and Ndebele text needs nothing beyond PC437; the others cover names
 * with Latin-1 accents.
 */
export const SIMULATOR_CODEPAGES = {
  0: 'cp437',
  2: 'cp850',
  16: 'windows1252',
  19: 'cp858',
} as const satisfies Record<number, Codepage>;

export type SupportedCodepage = (typeof SIMULATOR_CODEPAGES)[keyof typeof SIMULATOR_CODEPAGES];

export const SUPPORTED_CODEPAGES: readonly SupportedCodepage[] = Object.values(SIMULATOR_CODEPAGES);

const decodeTables = new Map<number, readonly number[]>();

/** Unicode code point for byte `b` under table `n` (unknown tables fall back to PC437, as after ESC @). */
export function decodeByte(tableNumber: number, b: number): number {
  let table = decodeTables.get(tableNumber);
  if (!table) {
    const page = (SIMULATOR_CODEPAGES as Record<number, Codepage>)[tableNumber] ?? 'cp437';
    table = CodepageEncoder.getCodepoints(page, true);
    decodeTables.set(tableNumber, table);
  }
  return table[b] ?? 0x3f;
}
