/**
 * The appliance's error codes, declared once, in one table (zwave-js style: one catalogue of codes per package):
 * each code with the HTTP status of an answer carrying it, the UI's message key where the UI has one, and the
 * context members its body exposes. Together with the firmware bridge's table they are the appliance's closed set
 * of codes: code of the appliance constructs ApplianceError through this module, so a code that neither declares
 * does not compile, and a code both declare throws at start (mergeErrors). statusFor is in error-table.ts.
 * Nothing upstream looks at an error's message text; the UI translates by code.
 */
import {
  ApplianceError as CodedError,
  type CodedErrorClass,
  type CodedErrorGuard,
  type CodeOf,
  declareErrors,
  isApplianceError as isCoded,
  mergeErrors,
} from '@lmc/core/errors.ts';
import { FirmwareBridgeErrors } from '@lmc/firmware-bridge/errors.ts';

const ApplianceOwnErrors = declareErrors({
  // HTTP layer itself (http/error-handler.ts and the request parsers).
  /** A request that fails its schema; `field` names the member to fix where one is known. */
  BAD_REQUEST: { status: 400, messageKey: 'error.BAD_REQUEST', expose: ['field'] },
  /** A body under a content type the route does not read. */
  UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  ROUTE_NOT_FOUND: { status: 404 },
  /** Anything uncoded: logged, never echoed. */
  INTERNAL: { status: 500 },

  // Sign-in (auth/). `expose` names the context members a refusal carries in its body.
  /** No session cookie, or the session ended (idle logout, sign-out, restart). */
  AUTH_REQUIRED: { status: 401 },
  /** Wrong officer id or PIN. Deliberately one code for both. */
  AUTH_INVALID_CREDENTIALS: { status: 401, expose: ['attemptsLeft'] },
  /** Too many wrong PINs: the officer is locked until `lockedUntil` (`scope`: this terminal or every terminal). */
  AUTH_LOCKED: { status: 423, expose: ['lockedUntil', 'scope'] },
  /** Signed in, but the role may not do this. */
  AUTH_FORBIDDEN: { status: 403, messageKey: 'error.AUTH_FORBIDDEN' },
  /** A state-changing request from a page that is not the appliance's own (CSRF). */
  AUTH_FOREIGN_ORIGIN: { status: 403 },
  /** A Host header that does not name this appliance (DNS rebinding: a foreign name resolving to 127.0.0.1). */
  AUTH_FOREIGN_HOST: { status: 421 },
  /** A new PIN that breaks the PIN rules. */
  AUTH_WEAK_PIN: { status: 400 },
  /** Creating an officer whose id exists. */
  AUTH_OFFICER_EXISTS: { status: 409 },
  /** Too many sign-in attempts (from this client, for this officer at once, or with unknown ids); see Retry-After. */
  AUTH_RATE_LIMITED: { status: 429, expose: ['retryAfterS'] },
  /** PIN verification is saturated (a flood): refused at once, nothing counted; see Retry-After. */
  AUTH_BUSY: { status: 503, expose: ['retryAfterS'] },

  // Store (store/) and the registration lifecycle it guards.
  /** No record with that id (registration, print job, officer, outbox event, ...). */
  NOT_FOUND: { status: 404, messageKey: 'error.NOT_FOUND' },
  /** The registration is finalized: its document, details and fingerprints can no longer change. */
  REGISTRATION_FINALIZED: { status: 409, messageKey: 'error.REGISTRATION_FINALIZED' },
  /** The step needs the passport scanned first (finalize a draft, verify fingerprints without a document). */
  DOCUMENT_REQUIRED: { status: 409, messageKey: 'error.DOCUMENT_REQUIRED' },
  /** Finalize refused: the attached document failed its MRZ check digits. */
  DOCUMENT_CHECK_FAILED: { status: 422, messageKey: 'error.DOCUMENT_CHECK_FAILED' },
  /** The step needs a finalized registration (a receipt, the finalized record): finalize it first. */
  REGISTRATION_NOT_FINALIZED: { status: 409, messageKey: 'error.REGISTRATION_NOT_FINALIZED' },
  STORE_CONFLICT: { status: 409 },
  STORE_DISK_FULL: { status: 507, messageKey: 'error.STORE_DISK_FULL' },
  STORE_IO_ERROR: { status: 503 },
  STORE_CORRUPT: { status: 500 },
  STORE_BUSY: { status: 503 },
  STORE_READ_ONLY: { status: 507 },
  STORE_SCHEMA_TOO_NEW: { status: 500 },
  STORE_SCHEMA_MISMATCH: { status: 500 },
  STORE_MIGRATION_FAILED: { status: 500 },
  STORE_INVALID_INPUT: { status: 400 },
  STORE_INVALID_CURSOR: { status: 400 },
  /** A database rule (trigger) refused the change: the audit log is append-only, finalized rows are frozen. */
  STORE_RECORD_IMMUTABLE: { status: 409 },
  STORE_CLOSED: { status: 503 },
  STORE_FAILED: { status: 500 },

  // Details (registrations-details/): `expose` puts the field / the missing items in the body.
  /** A field of PUT /details is missing, malformed or not in the reference data. `context.field` names it. */
  DETAILS_INVALID: { status: 400, messageKey: 'error.DETAILS_INVALID', expose: ['field'] },
  /** Finalize refused: details, consent or fingerprints are missing. `context.missing` lists them. */
  REGISTRATION_INCOMPLETE: { status: 409, messageKey: 'error.REGISTRATION_INCOMPLETE', expose: ['missing'] },
  /** The supervisor's approval token is unknown, expired, used, or for another registration. */
  APPROVAL_INVALID: { status: 403, messageKey: 'error.APPROVAL_INVALID' },

  // The counter's registration rules (registrations/, issue #14).
  /**
   * PUT /document: the scanned document is another person's (number, nationality or birth date differ) and the draft
   * already holds that person's details, consent, fingerprints or approval. `attached` lists what would be cleared;
   * send `replacePerson: true` to clear them.
   */
  DOCUMENT_PERSON_CHANGED: { status: 409, messageKey: 'error.DOCUMENT_PERSON_CHANGED', expose: ['attached'] },
  /** Finalize refused: a blocking warning (minor, expired, specimen, unknown state, office rule) and no supervisor approval. */
  SUPERVISOR_APPROVAL_REQUIRED: { status: 409, messageKey: 'error.SUPERVISOR_APPROVAL_REQUIRED', expose: ['warnings'] },
  /** An approval was asked for a registration with nothing that needs one. */
  APPROVAL_NOT_NEEDED: { status: 409, messageKey: 'error.APPROVAL_NOT_NEEDED' },
  /** The draft was discarded (by an officer or because it expired): it can no longer change. */
  REGISTRATION_DISCARDED: { status: 409, messageKey: 'error.REGISTRATION_DISCARDED' },

  // Device features (devices/: MRZ reader, printer and fingerprint simulators).
  /** A scan id that the scan cache no longer holds. */
  SCAN_NOT_FOUND: { status: 404, messageKey: 'error.SCAN_NOT_FOUND' },
  /** A simulator route on an appliance with the real device. */
  NOT_SIMULATED: { status: 409 },

  // Fingerprint workflows (fingerprints/); the device codes are the firmware bridge's FP_*.
  /** Verification asked for, but no earlier registration of this document holds comparable templates. */
  FP_NO_REFERENCE: { status: 404, messageKey: 'error.FP_NO_REFERENCE' },
  /** Cancel asked for, but nothing runs for this registration. */
  FP_NOT_RUNNING: { status: 409 },
  /** A finger that is not in this office's capture plan. */
  FP_NOT_IN_PLAN: { status: 400 },

  // Barcodes (barcodes/: uploads read by POST /api/barcodes/decode and receipt photos). Bad input is always a 4xx
  // with a message that tells the officer what to do; only a busy or restarting reader is a 503 (with Retry-After
  // from `context.retryAfterS`), never a 500.
  /** Not a PNG or JPEG, truncated, damaged, or a variant the decoders do not read. */
  BARCODE_IMAGE_INVALID: { status: 400 },
  /** Over the pixel cap (or a side over the side cap), refused from the header before any pixel is decoded. */
  BARCODE_IMAGE_TOO_LARGE: { status: 413 },
  /** The reader worked on this image for longer than its time limit and was stopped. The same image would take
   * as long again: the officer needs a closer, sharper photo, not a retry. */
  BARCODE_TIMEOUT: { status: 422 },
  /** The reader's queue is full (or the image waited too long in it): try again shortly. */
  BARCODE_BUSY: { status: 503 },
  /** The reader worker is shut down or failed to start/crashed: try again shortly. */
  BARCODE_READER_UNAVAILABLE: { status: 503 },

  // Printing (printing/: receipts, print jobs, the receipt catalogue). Printer faults are the firmware bridge's PRINTER_*.
  /** No receipt printer is configured on this appliance. */
  PRINTER_ABSENT: { status: 409, messageKey: 'printError.PRINTER_ABSENT' },
  /** A print job not in the status the action needs (e.g. reprint of a job that did not fail: a double press). */
  PRINT_JOB_CONFLICT: { status: 409, messageKey: 'error.PRINT_JOB_CONFLICT' },
  /** A request value the printing and documents routes cannot use (language, date, id). */
  INVALID_INPUT: { status: 400 },
  /** The receipt text catalogue (ui/src/i18n/receipt.*.json) is missing or lacks a key. */
  RECEIPT_CATALOGUE_INVALID: { status: 500 },
  /** The claims of a receipt QR cannot be encoded (a bug upstream, not the officer's input). */
  RECEIPT_CLAIMS_INVALID: { status: 500 },

  // Documents (documents/: registration slip, reports).
  /** The document photo is not a JPEG or PNG, or is damaged. */
  DOCUMENT_PHOTO_INVALID: { status: 400 },
  /** The document photo is over MAX_DOCUMENT_PHOTO_BYTES. */
  DOCUMENT_PHOTO_TOO_LARGE: { status: 413 },

  // Encryption at rest (crypto/, prints-remote/): all faults, a technician's problem. Messages and context name
  // files and record ids only: never key material, plaintext or ciphertext bytes.
  /** The data key file exists but is damaged; never replaced silently (every stored blob needs it). */
  DATA_KEY_INVALID: { status: 500 },
  /** The data key file cannot be read or created. */
  DATA_KEY_IO_ERROR: { status: 500 },
  /** Not a blob of a known format (too short, unknown version). */
  CRYPTO_BLOB_INVALID: { status: 500 },
  /** Sealed under another data key than the one loaded. */
  CRYPTO_KEY_MISMATCH: { status: 500 },
  /** Authentication failed: the blob was altered or belongs to another record. */
  CRYPTO_DECRYPT_FAILED: { status: 500 },
  /**
   * Cross-office verification (prints-remote/): the central cannot be reached, or its answer is not signed by the
   * pinned central key for this request, or a template in it does not open. Nothing was compared.
   */
  REMOTE_PRINTS_UNAVAILABLE: { status: 503 },
  /** The central refused to hand the earlier templates over (context.centralCode: no such registration, no templates, ...). */
  REMOTE_PRINTS_REFUSED: { status: 409 },
  /** This appliance cannot ask: not enrolled, or enrolled before it had an encryption key (re-key it). */
  REMOTE_PRINTS_NOT_ENROLLED: { status: 409 },

  // The appliance's identity (keys/: device id and Ed25519 key pair): start-up faults.
  /** The key files exist but cannot be read or parsed; never regenerated silently (the centre knows the old key). */
  IDENTITY_INVALID: { status: 500 },
  IDENTITY_IO_ERROR: { status: 500 },
  /** The central's pinned key or certificate (keys/central-ed25519.pub, keys/central-tls.pem) cannot be read or parsed. */
  CENTRAL_TRUST_INVALID: { status: 500 },

  // Reference data (reference/). The query routes only read local tables, so they fail only as the store fails;
  // these codes are about pulling.
  /** The central's page failed validation (envelope, version order, a row's columns): nothing applied. */
  REFERENCE_PAGE_INVALID: { status: 502 },
  /** The local version moved between asking for a page and applying it (a second writer): retried. */
  REFERENCE_VERSION_MOVED: { status: 409 },
  /** central.url is not a usable http(s) URL (start-up only). */
  REFERENCE_CENTRAL_URL_INVALID: { status: 500 },

  // Store-and-forward (sync/). The admission guard's refusals are officer-facing: the message says what happened
  // and what to do.
  /** Free disk space under the data directory is below sync.minFreeDiskMb. 507 Insufficient Storage (RFC 4918 §11.5), as the store uses for a full disk. */
  DISK_NEARLY_FULL: { status: 507 },
  /** The oldest unsent registration is older than sync.maxUnsyncedHours. */
  SYNC_BACKLOG_TOO_OLD: { status: 503 },
  /** central.url is not a usable http(s) URL (start-up only). */
  SYNC_CENTRAL_URL_INVALID: { status: 500 },

  // CPU worker pool (workers/cpu-pool.ts). A lane may bring its own codes instead (the barcode reader answers
  // BARCODE_BUSY etc., which officers already know); these are the pool's own, for the lanes that do not (PDFs,
  // fingerprint images, batch compression). None of them is the caller's fault, none is a 500: a full queue or a
  // restarting worker is a 503 with Retry-After (`context.retryAfterS`, exposed in the body so the UI can say when).
  /** The lane's queue is full, or the job waited longer than the lane allows: try again shortly. */
  WORKER_BUSY: { status: 503, messageKey: 'error.WORKER_BUSY', expose: ['retryAfterS'] },
  /** The job ran past its time limit and was stopped (its worker thread was ended and replaced). */
  WORKER_TIMEOUT: { status: 503, messageKey: 'error.WORKER_TIMEOUT', expose: ['retryAfterS'] },
  /** The job needed more memory than a worker may use; the worker was replaced. */
  WORKER_OUT_OF_MEMORY: { status: 503, messageKey: 'error.WORKER_OUT_OF_MEMORY', expose: ['retryAfterS'] },
  /** The pool is shutting down, or a worker did not start or stopped unexpectedly: try again shortly. */
  WORKER_UNAVAILABLE: { status: 503, messageKey: 'error.WORKER_UNAVAILABLE', expose: ['retryAfterS'] },

  // The counter's recruitment layer (recruitment/, issue #17).
  /** A field of a work profile, candidacy or cost is missing or malformed; `field` names it. */
  RECRUITMENT_INVALID: { status: 400, messageKey: 'error.RECRUITMENT_INVALID', expose: ['field'] },
  /**
   * Interest recorded in a vacancy the counter may not offer today: unknown, not open, employer suspended, past its
   * closing date, not yet open, no place left, or the migrant is under its minimum age. `reason` says which.
   */
  VACANCY_NOT_OFFERED: { status: 409, messageKey: 'error.VACANCY_NOT_OFFERED', expose: ['vacancyId', 'reason'] },
  /** The registration has no saved details yet: matching needs the occupation and destination. */
  RECRUITMENT_DETAILS_MISSING: { status: 409, messageKey: 'error.RECRUITMENT_DETAILS_MISSING' },
});

/** Every code the appliance can raise, with its declaration: the firmware bridge's and the appliance's own. */
export const ApplianceErrors = mergeErrors(FirmwareBridgeErrors, ApplianceOwnErrors);

export type ApplianceErrorCode = CodeOf<typeof ApplianceErrors>;

export type ApplianceError = CodedError<ApplianceErrorCode>;
export const ApplianceError: CodedErrorClass<ApplianceErrorCode> = CodedError;
export const isApplianceError = isCoded as CodedErrorGuard<ApplianceErrorCode>;
