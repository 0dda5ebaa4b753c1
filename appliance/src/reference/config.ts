/**
 * Configuration of reference down-sync, for config/schema.ts to include as `reference`. The
 * central's address and timeouts come from `central` (shared with the relay).
 */
import { type Static, Type } from '@sinclair/typebox';

export const ReferenceSyncConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'pull offices, officers, employers, vacancies and occupations from the central' }),
    pollMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 900_000, description: 'pause between pulls once up to date' }),
    pageSize: Type.Integer({ minimum: 1, maximum: 2000, default: 500, description: 'changes per page (the central may cap it lower)' }),
    backoffBaseMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 2_000 }),
    backoffMaxMs: Type.Integer({ minimum: 100, maximum: 86_400_000, default: 600_000 }),
    unauthorisedRetryMs: Type.Integer({ minimum: 100, maximum: 86_400_000, default: 600_000 }),
    timeZone: Type.String({ minLength: 1, default: 'Africa/Harare', description: 'decides which day a vacancy closes on' }),
  },
  { additionalProperties: false, default: {} },
);

export type ReferenceSyncConfig = Static<typeof ReferenceSyncConfig>;
