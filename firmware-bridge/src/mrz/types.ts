/**
 * Public types of the MRZ parser. Kept apart from the code so the driver, the API and the
 * simulators can import them without pulling in the parser.
 */
export type MrzFormat = 'TD1' | 'TD2' | 'TD3' | 'MRVA' | 'MRVB';

/**
 * `valid`: `true` = well formed and covered by a check digit that passed; `false` = a check
 * digit covering it failed, or the value is malformed (impossible date, bad sex letter...);
 * `null` = well formed but no check digit covers it (ICAO 9303 leaves names, nationality,
 * sex and document code unprotected).
 */
export interface MrzFieldResult {
  value: string | null;
  raw: string;
  valid: boolean | null;
}

export type MrzWarningCode =
  | 'CHECK_DIGIT_FAILED'
  | 'DOCUMENT_EXPIRED'
  | 'HOLDER_UNDER_18'
  | 'UNKNOWN_STATE'
  | 'INVALID_DATE'
  | 'INVALID_SEX'
  | 'INVALID_NAME'
  | 'INVALID_DOCUMENT_CODE'
  | 'INVALID_DOCUMENT_NUMBER'
  | 'BIRTH_DATE_PARTLY_UNKNOWN';

export interface MrzWarning {
  code: MrzWarningCode;
  field?: string;
  /** Plain English for the officer at the counter. */
  message: string;
}

export interface MrzCheckDigitResult {
  /** 'documentNumber' | 'birthDate' | 'expiryDate' | 'personalNumber' | 'composite' */
  name: string;
  valid: boolean;
  /** The character printed in the check-digit position. */
  raw: string;
  /** The digit the data computes to (for a long TD1/TD2 number: the ICAO variant). */
  expected: number;
}

export interface MrzDocument {
  format: MrzFormat;
  lines: string[];
  /** False when any check digit fails or the structure is wrong. Expiry, age and unknown states are warnings only. */
  valid: boolean;
  documentCode: string;
  issuingState: string;
  issuingStateKnown: boolean;
  nationality: string;
  nationalityKnown: boolean;
  documentNumber: string;
  /**
   * Only for TD1/TD2 numbers longer than 9 characters: which check-digit rule matched.
   * 'icao' = Part 5 §4.2.2 note j (filler at position 15 excluded); 'filler-included' = Belgian
   * cards. null when the number fits its field or neither rule matched.
   */
  documentNumberCheckVariant: 'icao' | 'filler-included' | null;
  surname: string;
  givenNames: string;
  /** The name field ends without a filler, so the printed name may be longer (Part 3 §4.6). */
  nameMaybeTruncated: boolean;
  sex: 'M' | 'F' | 'X' | null;
  /** YYYY-MM-DD; null when any part is unknown or the date is malformed. */
  birthDate: string | null;
  expiryDate: string | null;
  optionalData: string;
  /** TD1 only: optional data of line 2 (positions 19–29). */
  optionalData2: string | null;
  /** TD3 only. */
  personalNumber: string | null;
  fields: Record<string, MrzFieldResult>;
  checkDigits: MrzCheckDigitResult[];
  warnings: MrzWarning[];
}

export interface MrzParseOptions {
  /** Reference instant for expiry, age and the century window. Defaults to the current time. */
  now?: Date;
}

export interface MrzSpec {
  format: MrzFormat;
  /** 1–2 characters; defaults to P (TD3), I (TD1, TD2), V (visas). */
  documentCode?: string;
  issuingState: string;
  nationality: string;
  /** Up to 9 characters; TD1 and TD2 take longer numbers (overflow into the optional data). */
  documentNumber: string;
  /** Words separated by spaces; written with `<`. */
  surname: string;
  givenNames: string;
  sex: 'M' | 'F' | 'X' | '<';
  birthDate: string /* YYMMDD, `<` for unknown parts */;
  expiryDate: string /* YYMMDD */;
  optionalData?: string;
  /** TD1 only: optional data on line 2. */
  optionalData2?: string;
  /** TD3 only (positions 29–42). */
  personalNumber?: string;
  /** TD1/TD2 long numbers: which check-digit rule to write. Default 'icao'. */
  longNumberCheck?: 'icao' | 'filler-included';
}
