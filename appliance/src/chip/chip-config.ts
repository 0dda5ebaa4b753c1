/**
 * Config schema of the passport chip reader, plugged into config/schema.ts as `devices.chip`. Every key is
 * documented in the README ("Passport chip").
 */
import { type Static, Type } from '@sinclair/typebox';

const CscaPath = Type.Optional(
  Type.String({
    minLength: 1,
    description:
      'CSCA certificates for passive authentication: a directory of PEM/DER certificates and ICAO master lists (.pem .crt .cer .der .ml), or one such file. Absent: every chip reads as "no CSCA list"',
  }),
);
const Chunk = Type.Integer({
  minimum: 0x20,
  maximum: 0x10000,
  default: 0xdf,
  description: 'bytes per READ BINARY; above 256 needs extended length on both the reader and the chip',
});
const CardWaitMs = Type.Integer({
  minimum: 0,
  maximum: 10_000,
  default: 1500,
  description: 'after an MRZ scan, how long to wait for the chip to come into the field before saying "no chip"',
});

export const ChipDeviceConfig = Type.Union(
  [
    Type.Object({ transport: Type.Literal('simulator'), cscaPath: CscaPath, chunk: Chunk, cardWaitMs: CardWaitMs }, { additionalProperties: false }),
    Type.Object(
      {
        transport: Type.Literal('pcsc'),
        reader: Type.String({ minLength: 1, maxLength: 128, description: 'PC/SC reader name or its beginning, e.g. "DESKO" or "Virtual PCD 00 00"' }),
        cscaPath: CscaPath,
        chunk: Chunk,
        cardWaitMs: CardWaitMs,
      },
      { additionalProperties: false },
    ),
    Type.Object({ transport: Type.Literal('none') }, { additionalProperties: false }),
  ],
  { default: { transport: 'simulator', chunk: 0xdf, cardWaitMs: 1500 } },
);

export type ChipDeviceConfig = Static<typeof ChipDeviceConfig>;

const approvalFlag = (def: boolean, what: string) =>
  Type.Boolean({ default: def, description: `${what}: true needs a supervisor's approval before finalizing, false only warns (default ${def})` });

/**
 * `office.registrationRules.chipApproval`: which chip outcomes need a supervisor's approval (chip/chip-rules.ts).
 * A chip outcome never blocks unless its flag is true; the two that say the document may be forged default to true.
 */
export const ChipApprovalConfig = Type.Object(
  {
    dataAltered: approvalFlag(true, "the chip's data does not match its issuer's signature"),
    dg1Mismatch: approvalFlag(true, 'the MRZ in the chip differs from the printed MRZ'),
    unknownIssuer: approvalFlag(false, "the chip's signer is not issued by a known CSCA"),
    signerExpired: approvalFlag(false, "the chip signer's certificate was not valid"),
    noCsca: approvalFlag(false, 'the post holds no CSCA certificates, so the issuer was not checked'),
    unreadable: approvalFlag(false, 'the chip could not be read (access denied, removed, unreadable)'),
    notPresent: approvalFlag(false, 'no chip came into the reader (many passports have none)'),
  },
  { additionalProperties: false, default: {} },
);
