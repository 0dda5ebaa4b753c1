/** `office.registrationRules` of the appliance configuration (config/schema.ts): the office's finalize rules. */
import { Type } from '@sinclair/typebox';
import { ChipApprovalConfig } from '../chip/chip-config.ts';

export const RegistrationRulesConfig = Type.Object(
  {
    minimumAge: Type.Integer({
      minimum: 0,
      maximum: 99,
      default: 18,
      description: "holders younger than this (completed years on the office's day) need a supervisor's approval before finalizing",
    }),
    blockingWarnings: Type.Array(Type.String({ pattern: '^[A-Z][A-Z0-9_]*$', maxLength: 64 }), {
      default: [],
      maxItems: 32,
      description:
        'further MRZ warning codes (e.g. INVALID_SEX, INVALID_NAME) that need a supervisor\'s approval; under-age, expired, specimen (UTO) and unknown-state always do',
    }),
    draftExpiryHours: Type.Number({
      exclusiveMinimum: 0,
      maximum: 24 * 30,
      default: 24,
      description: 'an open draft with no activity for this long is discarded as expired (audited)',
    }),
    chipApproval: ChipApprovalConfig,
  },
  { additionalProperties: false, default: {} },
);
