/**
 * What a registration still needs before it may be finalized: its details, the migrant's consent, and a
 * complete fingerprint plan (every finger of the office's plan captured at the plan's quality, or excused by a
 * supervisor-approved exception). An appliance without a fingerprint reader (devices.fingerprint.transport
 * "none", or no fingerprint part at all) has an empty plan: nothing can be captured there.
 */
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import type { FingerView } from '../fingerprints/fingerprint-service.ts';
import type { FingerName } from '../fingerprints/fingers.ts';
import type { DetailsRepository } from './details-repository.ts';

export type Missing =
  | { item: 'details' }
  | { item: 'consent' }
  | { item: 'fingerprint'; finger: FingerName; status: 'pending' | 'low-quality' };

export interface FingerprintPlanSource {
  /** False when this appliance has no reader: the plan is empty. */
  required(): boolean;
  status(registrationId: string): { fingers: FingerView[] };
}

export interface Completeness {
  missing(registrationId: string): Missing[];
  /** REGISTRATION_INCOMPLETE (409) naming what is missing; nothing when complete. */
  assertComplete(registrationId: string): void;
}

export function describeMissing(m: Missing): string {
  switch (m.item) {
    case 'details':
      return 'the details (home district, occupation, next of kin, consent) are not recorded';
    case 'consent':
      return 'the migrant has not given consent';
    case 'fingerprint':
      return m.status === 'low-quality'
        ? `${m.finger} is below the office's minimum quality: capture it again or record an exception`
        : `${m.finger} has no fingerprint and no approved exception`;
  }
}

export function createCompleteness(o: { details: Pick<DetailsRepository, 'get'>; fingerprints?: FingerprintPlanSource }): Completeness {
  const missing = (registrationId: string): Missing[] => {
    const out: Missing[] = [];
    const details = o.details.get(registrationId);
    if (!details) out.push({ item: 'details' });
    else if (!details.consent.given) out.push({ item: 'consent' });
    const fp = o.fingerprints;
    if (fp?.required()) {
      for (const f of fp.status(registrationId).fingers) {
        if (f.status === 'exception') continue;
        if (f.status === 'captured' && !f.belowThreshold) continue;
        // Fingers recorded outside the plan are listed by status() too, after the plan's: only pending ones can be.
        out.push({ item: 'fingerprint', finger: f.finger, status: f.status === 'captured' ? 'low-quality' : 'pending' });
      }
    }
    return out;
  };
  return {
    missing,
    assertComplete(registrationId) {
      const m = missing(registrationId);
      if (m.length === 0) return;
      throw new ApplianceError(ApplianceErrors.REGISTRATION_INCOMPLETE.code, `This registration cannot be finalized yet: ${m.map(describeMissing).join('; ')}.`, {
        missing: m,
      });
    },
  };
}
