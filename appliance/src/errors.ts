/**
 * The appliance's closed set of error codes: the union of its layers' declarations and the firmware
 * bridge's (each layer's `declareErrors` table is the one place a code's HTTP status lives). Code of the
 * appliance constructs ApplianceError through this module, so a code that no layer declares does not
 * compile. The merged table, and statusFor, are in error-table.ts.
 *
 * Type-only imports of the layers: they import this module, and must not be evaluated through it.
 */
import { ApplianceError as CodedError, type CodedErrorClass, type CodedErrorGuard, isApplianceError as isCoded } from '@lmc/core/errors.ts';
import type { FirmwareBridgeErrorCode } from '@lmc/firmware-bridge/errors.ts';
import type { AuthErrors } from './auth/auth-errors.ts';
import type { BarcodeErrors } from './barcodes/barcode-errors.ts';
import type { CryptoErrors } from './crypto/crypto-errors.ts';
import type { DeviceFeatureErrors } from './devices/device-errors.ts';
import type { DocumentErrors } from './documents/document-errors.ts';
import type { FingerprintWorkflowErrors } from './fingerprints/fingerprint-errors.ts';
import type { HttpErrors } from './http/http-errors.ts';
import type { KeyErrors } from './keys/key-errors.ts';
import type { PrintingErrors } from './printing/printing-errors.ts';
import type { RecruitmentErrors } from './recruitment/recruitment-errors.ts';
import type { ReferenceErrors } from './reference/errors.ts';
import type { DetailsErrors } from './registrations-details/details-errors.ts';
import type { RegistrationErrors } from './registrations/registration-errors.ts';
import type { StoreErrors } from './store/errors.ts';
import type { SyncErrors } from './sync/errors.ts';
import type { WorkerErrors } from './workers/worker-errors.ts';

export type ApplianceErrorCode =
  | FirmwareBridgeErrorCode
  | keyof typeof HttpErrors
  | keyof typeof AuthErrors
  | keyof typeof StoreErrors
  | keyof typeof DetailsErrors
  | keyof typeof RegistrationErrors
  | keyof typeof DeviceFeatureErrors
  | keyof typeof FingerprintWorkflowErrors
  | keyof typeof BarcodeErrors
  | keyof typeof PrintingErrors
  | keyof typeof DocumentErrors
  | keyof typeof CryptoErrors
  | keyof typeof KeyErrors
  | keyof typeof ReferenceErrors
  | keyof typeof SyncErrors
  | keyof typeof WorkerErrors
  | keyof typeof RecruitmentErrors;

export type ApplianceError = CodedError<ApplianceErrorCode>;
export const ApplianceError: CodedErrorClass<ApplianceErrorCode> = CodedError;
export const isApplianceError = isCoded as CodedErrorGuard<ApplianceErrorCode>;
