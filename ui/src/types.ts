/** Shapes the UI receives. Type-only imports from the appliance: one source of truth, nothing bundled. */
import type { MrzDocument, MrzWarning } from '@lmc/firmware-bridge/mrz/types.ts';
import type { DeviceStateEvent } from '@lmc/appliance/events/event-bus.ts';
import type { Registration } from '@lmc/appliance/store/types.ts';
import type {
  FingerprintAttemptEvent,
  FingerprintFingerEvent,
  FingerprintPromptEvent,
  FingerprintWorkflowEvent,
} from '@lmc/appliance/fingerprints/fingerprint-events.ts';
import type { FingerView, VerificationOutcome, WorkflowStatus } from '@lmc/appliance/fingerprints/fingerprint-service.ts';
import type { PrintJob } from '@lmc/appliance/printing/print-job-repository.ts';
import type { PrintJobEvent } from '@lmc/appliance/printing/print-queue.ts';
import type { Missing, StoredDetails } from '@lmc/appliance/registrations-details/index.ts';

export type { DeviceStateEvent, MrzDocument, MrzWarning, Registration };
export type { FingerprintAttemptEvent, FingerprintFingerEvent, FingerprintPromptEvent, FingerprintWorkflowEvent, FingerView, VerificationOutcome, WorkflowStatus };
export type { Missing, PrintJob, PrintJobEvent, StoredDetails };

export interface FingerprintStatus {
  minQuality: number;
  fingers: FingerView[];
  workflow: WorkflowStatus | null;
}

export type Role = 'officer' | 'supervisor' | 'technician';
export interface SessionInfo {
  officer: { officerId: string; displayName: string; role: Role };
  officeCode: string;
  idleTimeoutMs: number;
  expiresAt: string;
}

export interface AttachResult {
  registration: Registration;
  document: MrzDocument;
  previousRegistrations: string[];
}

export interface ScanEvent {
  scanId: string;
  at: string;
  lines: string[];
  document: MrzDocument | null;
  error?: { code: string; message: string };
}

/** GET /api/sync and socket.io sync:status (another module); read defensively, it may be absent. */
export interface SyncInfo {
  at?: string;
  linkState?: string;
  queueDepth?: number;
  lastAcknowledgedAt?: string | null;
  lastError?: string | null;
}

export type DeviceKind = DeviceStateEvent['device'];
export const DEVICE_KINDS: DeviceKind[] = ['mrz', 'fingerprint', 'printer', 'chip'];
