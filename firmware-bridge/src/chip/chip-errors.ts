import { declareErrors } from '@lmc/core/errors.ts';

/**
 * Codes of the chip layer (ICAO 9303 eMRTD over PC/SC). The passive-authentication codes are
 * outcomes recorded on the document, never a reason on their own to refuse a registration.
 */
export const ChipErrors = declareErrors({
  /** No PC/SC reader of the configured name, or pcscd is not running. */
  CHIP_READER_UNAVAILABLE: { status: 503, messageKey: 'error.CHIP_READER_UNAVAILABLE' },
  /** No card on the reader (no chip in the document, or the page is not on the antenna). */
  CHIP_NOT_PRESENT: { status: 409, messageKey: 'error.CHIP_NOT_PRESENT' },
  /** The card went away or stopped answering in the middle of a read; a retry may work. */
  CHIP_REMOVED: { status: 409, messageKey: 'error.CHIP_REMOVED' },
  /** The chip answered with a status word the read cannot continue after. */
  CHIP_UNREADABLE: { status: 502, messageKey: 'error.CHIP_UNREADABLE', expose: ['sw'] },
  /** BAC refused: the MRZ used for the keys does not match the chip (or the chip's answer was not authentic). */
  CHIP_ACCESS_DENIED: { status: 422, messageKey: 'error.CHIP_ACCESS_DENIED' },
  /** A secure-messaging response failed its MAC or was malformed (9303-11 §9.8). */
  CHIP_SECURE_MESSAGING: { status: 502, messageKey: 'error.CHIP_SECURE_MESSAGING' },
  /** An LDS file (EF.COM, DG1, DG2, EF.SOD) is not the TLV structure 9303-10 defines. */
  CHIP_DATA_MALFORMED: { status: 502, messageKey: 'error.CHIP_DATA_MALFORMED' },
  /** The MRZ given for BAC lacks the fields BAC needs (document number, birth date, expiry). */
  CHIP_MRZ_UNUSABLE: { status: 400, messageKey: 'error.CHIP_MRZ_UNUSABLE' },
  /** Passive authentication: the document signer is not issued by any CSCA in the list. */
  CHIP_PA_UNKNOWN_ISSUER: { status: 422, messageKey: 'error.CHIP_PA_UNKNOWN_ISSUER' },
  /** Passive authentication: a data-group hash or the EF.SOD signature does not verify. */
  CHIP_PA_DATA_ALTERED: { status: 422, messageKey: 'error.CHIP_PA_DATA_ALTERED' },
  /** Passive authentication: the document signer (or its CSCA) was not valid at the time of the check. */
  CHIP_PA_SIGNER_EXPIRED: { status: 422, messageKey: 'error.CHIP_PA_SIGNER_EXPIRED' },
  /** The DG2 face is JPEG 2000 that cannot be decoded for display (corrupt, or beyond the size a face may be). The bytes as read are kept. */
  CHIP_FACE_UNDECODABLE: { status: 422 },
  /** The CSCA list file cannot be read as certificates. */
  CHIP_CSCA_LIST_INVALID: { status: 500 },
});

export type ChipErrorCode = keyof typeof ChipErrors;
