/** Test helpers for staff accounts: cheap argon2 parameters, accounts made in SQL, sign-in through the route. */
import argon2 from 'argon2';
import type { CentralApp } from '../src/app.ts';
import type { AuthSettings } from '../src/auth/auth-settings.ts';
import { insertStaff, type StaffRole } from '../src/auth/staff-store.ts';
import type { Db } from '../src/db/db.ts';
import { SIGN_IN_PATH } from '../src/routes/auth.ts';

/** Cheap hashing and generous rate limits, so tests spend their time on what they test. */
export const TEST_AUTH: Partial<AuthSettings> = {
  argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
  signInPerMinute: 10_000,
  enrolmentPerMinute: 10_000,
  staffRoutesPerMinute: 10_000,
};

export const TEST_PASSWORD = 'correct horse battery staple';

export async function addStaff(db: Db, username: string, role: StaffRole, password = TEST_PASSWORD): Promise<void> {
  const passwordHash = await argon2.hash(password, { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 });
  await insertStaff(db, { username, role, passwordHash, createdBy: 'test' }, new Date());
}

/** Signs in and returns the Cookie header value to send back. */
export async function signIn(app: CentralApp, username: string, password = TEST_PASSWORD): Promise<string> {
  const res = await app.inject({ method: 'POST', url: SIGN_IN_PATH, payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in of ${username} failed: ${res.statusCode} ${res.payload}`);
  const setCookie = String(res.headers['set-cookie']);
  return setCookie.split(';')[0] as string;
}
