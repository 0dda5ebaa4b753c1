/**
 * ICAO 9303 specimen MRZs (fictional state UTO), used as test and simulator data.
 * TD3 and TD1 are the specimens in /work/shared/PROTOCOLS.md; TD2 is the ICAO 9303 Part 6 specimen.
 */
export const TD3_SPECIMEN: readonly string[] = [
  'P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<',
  'L898902C36UTO7408122F1204159ZE184226B<<<<<10',
];

export const TD1_SPECIMEN: readonly string[] = [
  'I<UTOD231458907<<<<<<<<<<<<<<<',
  '7408122F1204159UTO<<<<<<<<<<<6',
  'ERIKSSON<<ANNA<MARIA<<<<<<<<<<',
];

export const TD2_SPECIMEN: readonly string[] = [
  'I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<',
  'D231458907UTO7408122F1204159<<<<<<<6',
];
