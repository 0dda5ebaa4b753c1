import { type CodeOf, type ErrorDeclaration, mergeErrors } from '@lmc/core/errors.ts';
import { FirmwareBridgeErrors } from '@lmc/firmware-bridge/errors.ts';
import { AuthErrors } from './auth/auth-errors.ts';
import { BarcodeErrors } from './barcodes/barcode-errors.ts';
import { CryptoErrors } from './crypto/crypto-errors.ts';
import { DeviceFeatureErrors } from './devices/device-errors.ts';
import { DocumentErrors } from './documents/document-errors.ts';
import type { ApplianceErrorCode } from './errors.ts';
import { FingerprintWorkflowErrors } from './fingerprints/fingerprint-errors.ts';
import { HttpErrors } from './http/http-errors.ts';
import { KeyErrors } from './keys/key-errors.ts';
import { PrintingErrors } from './printing/printing-errors.ts';
import { RecruitmentErrors } from './recruitment/recruitment-errors.ts';
import { ReferenceErrors } from './reference/errors.ts';
import { DetailsErrors } from './registrations-details/details-errors.ts';
import { RegistrationErrors } from './registrations/registration-errors.ts';
import { StoreErrors } from './store/errors.ts';
import { SyncErrors } from './sync/errors.ts';
import { WorkerErrors } from './workers/worker-errors.ts';

/**
 * Every code the appliance can raise, with its declaration: the firmware bridge's and each appliance
 * layer's. Merging throws on a code declared twice; the check below keeps it equal to ApplianceErrorCode.
 */
export const ApplianceErrors = mergeErrors(
  FirmwareBridgeErrors,
  HttpErrors,
  AuthErrors,
  StoreErrors,
  DetailsErrors,
  RegistrationErrors,
  DeviceFeatureErrors,
  FingerprintWorkflowErrors,
  BarcodeErrors,
  PrintingErrors,
  DocumentErrors,
  CryptoErrors,
  KeyErrors,
  ReferenceErrors,
  SyncErrors,
  WorkerErrors,
  RecruitmentErrors,
);

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const complete: Same<CodeOf<typeof ApplianceErrors>, ApplianceErrorCode> = true;
void complete;

/** The declaration of a code, or undefined for a code no layer declares (another package's, a peer's). */
export function declarationOf(code: string): ErrorDeclaration | undefined {
  return Object.hasOwn(ApplianceErrors, code) ? (ApplianceErrors as Record<string, ErrorDeclaration>)[code] : undefined;
}

/** The HTTP status of a code: its declaration's; 500 only for a code nobody declared. */
export function statusFor(code: string): number {
  return declarationOf(code)?.status ?? 500;
}
