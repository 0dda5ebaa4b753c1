/** The details step: repository, finalize rule, supervisor approvals; assembled for build() in app.ts. */
import type { FingerprintFeature } from '../fingerprints/fingerprint-feature.ts';
import type { FingerprintService } from '../fingerprints/fingerprint-service.ts';
import type { Store } from '../store/index.ts';
import { type Completeness, createCompleteness } from './completeness.ts';
import { DetailsRepository } from './details-repository.ts';
import { SupervisorApprovals } from './supervisor-approvals.ts';

export { type Completeness, type Missing, createCompleteness, describeMissing } from './completeness.ts';
export { DetailsErrors } from './details-errors.ts';
export { DetailsRepository, type StoredDetails } from './details-repository.ts';
export * from './details-rules.ts';
export { type DetailsInput, type RegistrationDetails, validateDetails } from './details-validator.ts';
export { APPROVAL_HEADER, SupervisorApprovals, requireRoleOrApproval } from './supervisor-approvals.ts';

export interface DetailsParts {
  details: DetailsRepository;
  completeness: Completeness;
  approvals: SupervisorApprovals;
  close(): void;
}

export function createDetailsParts(o: {
  store: Store;
  fingerprints?: { feature: Pick<FingerprintFeature, 'state'>; service: Pick<FingerprintService, 'status'> };
  now?: () => Date;
}): DetailsParts {
  const details = new DetailsRepository({ db: o.store.connection, ...(o.now ? { now: o.now } : {}) });
  const fp = o.fingerprints;
  const completeness = createCompleteness({
    details,
    ...(fp
      ? {
          fingerprints: {
            // 'absent' is devices.fingerprint.transport = "none": a post without a reader has an empty plan.
            required: () => fp.feature.state.state !== 'absent',
            status: (id: string) => fp.service.status(id),
          },
        }
      : {}),
  });
  return { details, completeness, approvals: new SupervisorApprovals(o.now), close: () => details.close() };
}
