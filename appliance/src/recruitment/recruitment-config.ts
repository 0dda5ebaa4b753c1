import { type Static, Type } from '@sinclair/typebox';

/** Recruitment at the counter (issue #17; config `recruitment`): forwarding of candidacies and costs, outcome notices. */
export const RecruitmentConfig = Type.Object(
  {
    pollMs: Type.Integer({ minimum: 500, maximum: 3_600_000, default: 30_000, description: 'how often due events are looked for when the queue was empty' }),
    batchSize: Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'events per request to the central' }),
    backoffBaseMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 2_000 }),
    backoffMaxMs: Type.Integer({ minimum: 100, maximum: 86_400_000, default: 300_000 }),
    unauthorisedRetryMs: Type.Integer({ minimum: 100, maximum: 86_400_000, default: 600_000 }),
    outcomePollMs: Type.Integer({ minimum: 500, maximum: 3_600_000, default: 15_000, description: 'how often new outcomes from the reference feed are turned into notices' }),
    sentRetentionDays: Type.Integer({ minimum: 1, maximum: 3650, default: 30, description: 'days an acknowledged event stays in the outbox' }),
  },
  { additionalProperties: false, default: {} },
);
export type RecruitmentConfig = Static<typeof RecruitmentConfig>;
