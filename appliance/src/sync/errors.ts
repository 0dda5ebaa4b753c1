import { type CodeOf, declareErrors } from '@lmc/core/errors.ts';

/**
 * Codes of the store-and-forward layer, declared once with their HTTP status. The admission guard's
 * refusals are officer-facing: the message says what happened and what to do.
 */
export const SyncErrors = declareErrors({
  /** Free disk space under the data directory is below sync.minFreeDiskMb. 507 Insufficient Storage (RFC 4918 §11.5), as the store uses for a full disk. */
  DISK_NEARLY_FULL: { status: 507 },
  /** The oldest unsent registration is older than sync.maxUnsyncedHours. */
  SYNC_BACKLOG_TOO_OLD: { status: 503 },
  /** central.url is not a usable http(s) URL (start-up only). */
  SYNC_CENTRAL_URL_INVALID: { status: 500 },
});

export type SyncErrorCode = CodeOf<typeof SyncErrors>;
