/**
 * The prints routes (issue #16 item 3), shared by the central (central/src/prints/) and the appliance
 * (appliance/src/prints-remote/):
 * - GET  /api/v1/prints/templates?registrationId=…: an enrolled appliance, with a signed request
 *   (reference-feed.ts signRequest), asks for the templates of a registration made at any office; the central opens
 *   them and re-seals each to the appliance's X25519 key (print-seal.ts RESEAL_INFO, resealAad). The answer is
 *   signed (`x-central-signature`, purpose 'print-reseal', bound to the request's signature).
 * - POST /api/v1/admin/prints/:blobId/open {reason}: an admin opens one forwarded print; audited.
 */
import { type Static, Type } from '@sinclair/typebox';

export const PRINT_TEMPLATES_PATH = '/api/v1/prints/templates';
export const PRINT_OPEN_PATH = '/api/v1/admin/prints/:blobId/open';

export function printTemplatesQuery(registrationId: string): string {
  return `registrationId=${encodeURIComponent(registrationId)}`;
}

export const ResealedTemplate = Type.Object(
  {
    finger: Type.String(),
    templateFormat: Type.String(),
    /** Key id of the appliance key it is sealed to (print-seal.ts keyIdOf). */
    keyId: Type.String({ pattern: '^[0-9a-f]{16}$' }),
    /** HPKE enc and ciphertext, base64. */
    enc: Type.String(),
    ct: Type.String(),
  },
  { additionalProperties: false },
);

export const ResealedTemplates = Type.Object(
  {
    registrationId: Type.String(),
    officeCode: Type.String(),
    finalizedAt: Type.String(),
    templates: Type.Array(ResealedTemplate),
  },
  { additionalProperties: false },
);

export const OpenPrintBody = Type.Object(
  { reason: Type.String({ minLength: 10, maxLength: 500, description: 'why the print is opened (kept in the audit log)' }) },
  { additionalProperties: false },
);

export const OpenedPrint = Type.Object({
  blobId: Type.String(),
  registrationId: Type.String(),
  officeCode: Type.String(),
  finger: Type.String(),
  kind: Type.Union([Type.Literal('template'), Type.Literal('image')]),
  templateFormat: Type.Union([Type.String(), Type.Null()]),
  /** The print, base64 (a template, or a PNG image). */
  data: Type.String(),
  auditId: Type.String(),
});

export type ResealedTemplate = Static<typeof ResealedTemplate>;
export type ResealedTemplates = Static<typeof ResealedTemplates>;
export type OpenPrintBody = Static<typeof OpenPrintBody>;
export type OpenedPrint = Static<typeof OpenedPrint>;
