/**
 * Coded errors of the provisioning CLI. The CLI prints `code: message` and exits non-zero; tests
 * match on the code, never on the text. Messages name files and keys, never key material.
 */
import { ApplianceError } from '@lmc/core/errors.ts';

export const ProvisioningErrorCodes = {
  /** Bad command-line input (a missing option, a malformed URL). */
  UsageInvalid: 'PROVISION_USAGE_INVALID',
  /** The central answered with an error; context.centralCode holds its code. */
  CentralRefused: 'PROVISION_CENTRAL_REFUSED',
  /** The central could not be reached. */
  CentralUnreachable: 'PROVISION_CENTRAL_UNREACHABLE',
  /** The central URL is plain http:// and --allow-insecure-http was not given. */
  CentralInsecure: 'PROVISION_CENTRAL_INSECURE',
  /** The central's TLS certificate is not the pinned one, or not trusted (context.fingerprint: what it presented). */
  CentralUntrusted: 'PROVISION_CENTRAL_UNTRUSTED',
  /** The central's answer is not signed by the central's key for this request: nothing is saved. */
  CentralAnswerUnsigned: 'PROVISION_CENTRAL_ANSWER_UNSIGNED',
  /** The appliance is not enrolled (no central url / device id), for commands that need it. */
  NotEnrolled: 'PROVISION_NOT_ENROLLED',
  /** Decommission refused: registrations not yet acknowledged by the central. */
  UnsentData: 'PROVISION_UNSENT_DATA',
  /** The technician declined a confirmation (or none was possible without --yes). */
  NotConfirmed: 'PROVISION_NOT_CONFIRMED',
  /** A backup file is not ours, damaged, or its keys cannot be decrypted. */
  BackupInvalid: 'PROVISION_BACKUP_INVALID',
  /** The passphrase does not open the backup's keys. */
  BackupPassphrase: 'PROVISION_BACKUP_PASSPHRASE',
  /** Restore of a backup without its keys, not accepted with --without-keys. */
  RestoreWithoutKeys: 'PROVISION_RESTORE_WITHOUT_KEYS',
  /** The appliance service is running; the command needs it stopped. */
  ServiceRunning: 'PROVISION_SERVICE_RUNNING',
  /** Registrations not finished (drafts) would be wiped. */
  DraftsPresent: 'PROVISION_DRAFTS_PRESENT',
  /** A device port is held by another process (the running appliance). */
  PortBusy: 'PROVISION_PORT_BUSY',
  /** The store migration of an upgrade failed; the store was put back from the backup. */
  UpgradeFailed: 'PROVISION_UPGRADE_FAILED',
  /** Restore target is not empty. */
  RestoreTargetNotEmpty: 'PROVISION_RESTORE_TARGET_NOT_EMPTY',
  /** A restored store does not verify (integrity, record count, audit chain). */
  RestoreVerifyFailed: 'PROVISION_RESTORE_VERIFY_FAILED',
  /** One or more self-test checks failed. */
  SelfTestFailed: 'PROVISION_SELF_TEST_FAILED',
  /** unlock: no such officer (or no appliance database) in the data directory. */
  OfficerNotFound: 'PROVISION_OFFICER_NOT_FOUND',
} as const;

export type ProvisioningErrorCode = (typeof ProvisioningErrorCodes)[keyof typeof ProvisioningErrorCodes];

export function provisioningError(code: ProvisioningErrorCode, message: string, context: Record<string, unknown> = {}): ApplianceError {
  return new ApplianceError(code, message, context);
}
