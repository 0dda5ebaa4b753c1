/**
 * Codes of the store-and-forward layer and their HTTP status codes, in one place. The admission
 * guard's refusals are officer-facing: the message says what happened and what to do.
 */
export const SyncErrorCodes = {
  /** Free disk space under the data directory is below sync.minFreeDiskMb. */
  DiskNearlyFull: 'DISK_NEARLY_FULL',
  /** The oldest unsent registration is older than sync.maxUnsyncedHours. */
  BacklogTooOld: 'SYNC_BACKLOG_TOO_OLD',
  /** central.url is not a usable http(s) URL. */
  CentralUrlInvalid: 'SYNC_CENTRAL_URL_INVALID',
} as const;

export type SyncErrorCode = (typeof SyncErrorCodes)[keyof typeof SyncErrorCodes];

export const SYNC_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  // 507 Insufficient Storage (RFC 4918 §11.5), as the store uses for a full disk.
  DISK_NEARLY_FULL: 507,
  SYNC_BACKLOG_TOO_OLD: 503,
};
