import { burnVerification, verifyPin } from './pin-hash.ts';
import type { OfficerRepository } from './officers.ts';
import type { SessionOfficer } from './sessions.ts';

export interface LockoutPolicy {
  /** Wrong PINs in a row that lock the officer. */
  maxAttempts: number;
  /** How long the lock lasts. */
  lockMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { maxAttempts: 5, lockMs: 15 * 60_000 };

export type SignInResult =
  | { ok: true; officer: SessionOfficer }
  /** attemptsLeft only for a known officer id (the counter shows "2 attempts left"). */
  | { ok: false; reason: 'invalid'; attemptsLeft?: number }
  | { ok: false; reason: 'locked'; lockedUntil: string };

/**
 * Checks an officer id and PIN against the officers table and applies the lockout. A locked officer is refused
 * without verifying the PIN at all, so guessing during the lock teaches nothing and costs the appliance nothing.
 */
export async function authenticate(
  officers: OfficerRepository,
  officerId: string,
  pin: string,
  policy: LockoutPolicy,
  now: () => Date,
): Promise<SignInResult> {
  const officer = officers.get(officerId);
  if (!officer || !officer.active) {
    await burnVerification(pin);
    return { ok: false, reason: 'invalid' };
  }
  if (officer.lockedUntil !== null && officer.lockedUntil > now().toISOString()) {
    return { ok: false, reason: 'locked', lockedUntil: officer.lockedUntil };
  }
  if (!(await verifyPin(officer.pinHash, pin))) {
    const { attempts, lockedUntil } = officers.recordFailure(officerId, policy.maxAttempts, policy.lockMs);
    if (attempts >= policy.maxAttempts && lockedUntil) return { ok: false, reason: 'locked', lockedUntil };
    return { ok: false, reason: 'invalid', attemptsLeft: policy.maxAttempts - attempts };
  }
  officers.recordSuccess(officerId);
  return { ok: true, officer: { officerId: officer.officerId, displayName: officer.displayName, role: officer.role } };
}
