/**
 * The firmware bridge's error codes, declared once, in one table (zwave-js style: one catalogue of codes per
 * package): each code with the HTTP status of an answer carrying it and, where the UI has one, its message key.
 * Code of this package constructs ApplianceError through this module, so a code not declared here does not
 * compile. The appliance merges this table into its own (appliance/src/errors.ts); a code both declare throws there.
 */
import {
  ApplianceError as CodedError,
  type CodedErrorClass,
  type CodedErrorGuard,
  type CodeOf,
  declareErrors,
  isApplianceError as isCoded,
} from '@lmc/core/errors.ts';

export const FirmwareBridgeErrors = declareErrors({
  // Transports (serial, USB HID, pty pairs) and devices in general, shared by every reader and printer family.
  TRANSPORT_OPEN_FAILED: { status: 503 },
  TRANSPORT_CLOSED: { status: 503 },
  TRANSPORT_WRITE_FAILED: { status: 503 },
  /** node-hid (optional dependency) is missing or its native part does not load. */
  HID_UNAVAILABLE: { status: 503 },
  /** socat is missing or gave no pty pair (simulators only). */
  PTY_UNAVAILABLE: { status: 503 },
  /** A device frame too short for the field being read. */
  FRAME_INVALID: { status: 502 },
  DEVICE_NOT_CONNECTED: { status: 503, messageKey: 'error.DEVICE_NOT_CONNECTED' },
  DEVICE_BUSY: { status: 409, messageKey: 'error.DEVICE_BUSY' },
  /** The port is open but the device does not answer its liveness probe (ZFM ReadSysPara, printer DLE EOT 1). */
  DEVICE_UNRESPONSIVE: { status: 503, messageKey: 'error.DEVICE_UNRESPONSIVE' },
  /** No such device on this appliance (devices.<kind>.transport = "none"). */
  DEVICE_NOT_CONFIGURED: { status: 503, messageKey: 'error.DEVICE_NOT_CONFIGURED' },
  /** A device option out of range (start-up only). */
  CONFIG_INVALID: { status: 500 },
  /** A simulated device used after close() (tests and development only). */
  SIMULATOR_CLOSED: { status: 503 },

  // MRZ. Content problems (check digits, dates) are warnings on the parsed document, not errors: only input
  // that cannot be an MRZ at all throws.
  /** Not 2×44, 2×36 or 3×30 lines, or nothing received. */
  MRZ_UNRECOGNISED_FORMAT: { status: 400 },
  /** A character outside A–Z, 0–9 and `<`. */
  MRZ_INVALID_CHARACTERS: { status: 400 },
  /** generateMrz was given a spec that cannot be written (simulators, tests, benchmark). */
  MRZ_SPEC_INVALID: { status: 400 },

  // Fingerprint readers, shared by every reader family (ZFM/R30x today, a USB reader later). The officer's text
  // per code is in fingerprint/fingerprint-errors.ts. Context never carries image or template bytes.
  // - What the person at the sensor can fix.
  FP_NO_FINGER: { status: 422 },
  FP_ENROL_FAILED: { status: 422 },
  FP_IMAGE_MESSY: { status: 422 },
  FP_TOO_FEW_FEATURES: { status: 422 },
  FP_NO_VALID_IMAGE: { status: 422 },
  // - The person did not place or lift the finger in time: a state of the desk, not a server fault.
  // (Not 408: browsers may silently repeat a request answered with 408.)
  FP_FINGER_TIMEOUT: { status: 409, messageKey: 'fpError.FP_FINGER_TIMEOUT' },
  FP_LIFT_TIMEOUT: { status: 409, messageKey: 'fpError.FP_LIFT_TIMEOUT' },
  FP_ABORTED: { status: 409, messageKey: 'fpError.FP_ABORTED' },
  // - Matching / library answers that are errors for the operation that asked.
  FP_NO_MATCH: { status: 422 },
  FP_NOT_FOUND: { status: 502 },
  FP_MERGE_FAILED: { status: 502 },
  FP_ADDRESS_OUT_OF_RANGE: { status: 502 },
  FP_TEMPLATE_READ_ERROR: { status: 502 },
  FP_DELETE_FAILED: { status: 502 },
  FP_CLEAR_FAILED: { status: 502 },
  FP_FLASH_WRITE_ERROR: { status: 502 },
  // - Link and device faults: a technician's problem.
  FP_PACKET_ERROR: { status: 502 },
  FP_TEMPLATE_UPLOAD_ERROR: { status: 502 },
  FP_RECEIVE_ERROR: { status: 502 },
  FP_IMAGE_UPLOAD_ERROR: { status: 502 },
  FP_WRONG_PASSWORD: { status: 502 },
  FP_UNKNOWN_CONFIRMATION: { status: 502 },
  FP_ACK_TIMEOUT: { status: 503 },
  FP_BAD_RESPONSE: { status: 502 },
  FP_IMAGE_TRANSFER: { status: 502 },
  FP_TEMPLATE_TRANSFER: { status: 502 },
  FP_TEMPLATE_INVALID: { status: 502 },
  FP_IMAGE_INVALID: { status: 502 },
  FP_NOT_OPEN: { status: 503 },

  // Receipt printer (ESC/POS). The officer-facing message says what to do at the counter; the code is what
  // software matches on. Printer faults end up on the print job (the UI's printError.* texts), not in an HTTP answer.
  PRINTER_PAPER_OUT: { status: 409, messageKey: 'printError.PRINTER_PAPER_OUT' },
  PRINTER_COVER_OPEN: { status: 409, messageKey: 'printError.PRINTER_COVER_OPEN' },
  PRINTER_OFFLINE: { status: 503, messageKey: 'printError.PRINTER_OFFLINE' },
  PRINTER_TIMEOUT: { status: 503, messageKey: 'printError.PRINTER_TIMEOUT' },
  PRINTER_NOT_OPEN: { status: 503, messageKey: 'printError.PRINTER_NOT_OPEN' },
  RECEIPT_DOCUMENT_INVALID: { status: 500 },
  /** No readable QR code / PDF417 in an image (decode-qr-png.ts; the appliance's uploads too). */
  BARCODE_NOT_FOUND: { status: 422 },

  // Chip (ICAO 9303 eMRTD over PC/SC). The passive-authentication codes are outcomes recorded on the document,
  // never a reason on their own to refuse a registration.
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

export type FirmwareBridgeErrorCode = CodeOf<typeof FirmwareBridgeErrors>;

/** The chip layer's codes (a chip check's outcome carries one). */
export type ChipErrorCode = Extract<FirmwareBridgeErrorCode, `CHIP_${string}`>;

export type ApplianceError = CodedError<FirmwareBridgeErrorCode>;
export const ApplianceError: CodedErrorClass<FirmwareBridgeErrorCode> = CodedError;
export const isApplianceError = isCoded as CodedErrorGuard<FirmwareBridgeErrorCode>;
