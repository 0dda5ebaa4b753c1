import argon2 from 'argon2';
import { ApplianceError, ApplianceErrors } from '../errors.ts';

/**
 * argon2id with the OWASP Password Storage Cheat Sheet's first listed setting (m = 19 MiB, t = 2, p = 1):
 * ~60 ms on the counter mini-PC, small enough that a burst of sign-ins cannot exhaust its memory. A short PIN
 * has little entropy whatever the hash: the lockout after 5 wrong PINs is what protects it online; the hash
 * protects a stolen database (offline guessing of 10^6 PINs then costs hours, not microseconds).
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PIN_MIN_LENGTH = 4;
export const PIN_MAX_LENGTH = 8;
const PIN_PATTERN = new RegExp(`^[0-9]{${PIN_MIN_LENGTH},${PIN_MAX_LENGTH}}$`);

/** Why a PIN is refused, or null when it is acceptable. Rules the officer can read on the screen. */
export function pinProblem(pin: string): string | null {
  if (!PIN_PATTERN.test(pin)) return `a PIN is ${PIN_MIN_LENGTH} to ${PIN_MAX_LENGTH} digits`;
  if (/^(\d)\1+$/.test(pin)) return 'a PIN cannot be one digit repeated';
  const steps = new Set([...pin].slice(1).map((d, i) => (Number(d) - Number(pin[i]) + 10) % 10));
  if (steps.size === 1 && (steps.has(1) || steps.has(9))) return 'a PIN cannot be a run of digits such as 1234';
  return null;
}

export async function hashPin(pin: string): Promise<string> {
  const problem = pinProblem(pin);
  if (problem) throw new ApplianceError(ApplianceErrors.AUTH_WEAK_PIN.code, `PIN refused: ${problem}`);
  return argon2.hash(pin, OPTIONS);
}

export async function verifyPin(hash: string, pin: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, pin);
  } catch {
    return false; // a malformed stored hash is a failed sign-in, not a crash
  }
}

let dummy: Promise<string> | undefined;
/**
 * Spends the same time as a real verification, so "unknown officer" and "wrong PIN" cannot be told apart
 * by timing.
 */
export async function burnVerification(pin: string): Promise<void> {
  dummy ??= argon2.hash('000000-not-a-pin', OPTIONS);
  await verifyPin(await dummy, pin);
}
