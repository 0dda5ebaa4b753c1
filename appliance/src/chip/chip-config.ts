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
