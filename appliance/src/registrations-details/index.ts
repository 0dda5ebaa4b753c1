/** The details step: repository, finalize rule, supervisor approvals; assembled for build() in app.ts. */
import type { FingerprintFeature } from '../fingerprints/fingerprint-feature.ts';
import type { FingerprintService } from '../fingerprints/fingerprint-service.ts';
import type { Store } from '../store/index.ts';
import { type Completeness, createCompleteness } from './completeness.ts';
import { DetailsRepository } from './details-repository.ts';
import { SupervisorApprovals } from './supervisor-approvals.ts';
import { type CounterService, createCounterService } from '../registrations/counter-service.ts';
import type { RegistrationRules } from '../registrations/registration-rules.ts';

export { type Completeness, type Missing, createCompleteness, describeMissing } from './completeness.ts';
export { DetailsRepository, type StoredDetails } from './details-repository.ts';
export * from './details-rules.ts';
export { type DetailsInput, type RegistrationDetails, validateDetails } from './details-validator.ts';
export { APPROVAL_HEADER, SupervisorApprovals, requireRoleOrApproval } from './supervisor-approvals.ts';

export interface DetailsParts {
  details: DetailsRepository;
  completeness: Completeness;
  approvals: SupervisorApprovals;
  /** The counter's rules and working state (issue #14): review, approvals, autosave, drafts, language. */
  counter: CounterService;
  close(): void;
}

export function createDetailsParts(o: {
  store: Store;
  fingerprints?: { feature: Pick<FingerprintFeature, 'state'>; service: Pick<FingerprintService, 'status'> };
  now?: () => Date;
  officeCode?: string;
  officeName?: string;
  timeZone?: string;
  rules?: RegistrationRules;
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
  const counter = createCounterService({
    store: o.store,
    details,
    completeness,
    officeCode: o.officeCode ?? '',
    ...(o.officeName ? { officeName: o.officeName } : {}),
    ...(o.timeZone ? { timeZone: o.timeZone } : {}),
    ...(o.rules ? { rules: o.rules } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
  return { details, completeness, approvals: new SupervisorApprovals(o.now), counter, close: () => details.close() };
}
