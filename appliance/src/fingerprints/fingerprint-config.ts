import { type Static, type TLiteral, type TUnion, Type } from '@sinclair/typebox';
import { EXCEPTION_REASONS, FINGERS } from './fingers.ts';

/**
 * Config schemas of the fingerprint part, referenced from config/schema.ts (`devices.fingerprint` and
 * `office.capturePlan`). Documented in the README.
 */

// ZFM modules run at N × 9600 baud, N = 1…12 (SetSysPara parameter 4): 115200 is the fastest real link.
const ModuleBaud = Type.Integer({ minimum: 9600, maximum: 115_200, multipleOf: 9600, default: 57_600 });

// After the handshake a slower module is switched to this rate (SetSysPara register 4), reopened, verified, and
// kept there (it remembers it across power cycles); a failed switch falls back to the old rate. 0 = never.
const TargetBaud = Type.Union([Type.Literal(0), Type.Integer({ minimum: 9600, maximum: 115_200, multipleOf: 9600 })], {
  default: 115_200,
  description: 'raise the module to this baud rate after the handshake (default 115200; 0 = keep its rate)',
});

export const FingerprintDeviceConfig = Type.Union(
  [
    Type.Object(
      {
        transport: Type.Literal('simulator'),
        // The simulator may run faster than any real module (tests); it paces its replies at this rate.
        baudRate: Type.Integer({ minimum: 9600, maximum: 2_304_000, multipleOf: 9600, default: 57_600 }),
        targetBaudRate: Type.Optional(TargetBaud),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        transport: Type.Literal('serial'),
        path: Type.String({ minLength: 1, description: 'e.g. /dev/serial/by-id/usb-Silicon_Labs_CP2102_...' }),
        baudRate: ModuleBaud,
        targetBaudRate: Type.Optional(TargetBaud),
        address: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffff_ffff, description: 'module address, default 0xFFFFFFFF' })),
        password: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffff_ffff, description: 'VfyPwd password, default 0; never logged' })),
      },
      { additionalProperties: false },
    ),
    Type.Object({ transport: Type.Literal('none') }, { additionalProperties: false }),
  ],
  { default: { transport: 'simulator', baudRate: 57_600 } },
);

/** A union of string literals whose Static type is the literal union (a plain .map() would lose it). */
export function literalUnion<const T extends readonly string[]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
): TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }> {
  const literals = values.map((v) => Type.Literal(v)) as unknown as { -readonly [K in keyof T]: TLiteral<T[K]> };
  return Type.Union(literals, options) as TUnion<{ -readonly [K in keyof T]: TLiteral<T[K]> }>;
}

export const FingerSchema = literalUnion(FINGERS, { description: 'finger position, ISO/IEC 19794-2 order' });
export const ExceptionReasonSchema = literalUnion(EXCEPTION_REASONS);

export const CapturePlanConfig = Type.Object(
  {
    fingers: Type.Array(FingerSchema, { minItems: 1, maxItems: 10, uniqueItems: true, default: ['right-index', 'left-index'] }),
    attempts: Type.Integer({ minimum: 1, maximum: 10, default: 3, description: 'captures per finger before giving up' }),
    minQuality: Type.Integer({ minimum: 0, maximum: 100, default: 40, description: 'scoreQuality() threshold; below it the finger is captured again' }),
    placeTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 20_000, description: 'wait for a finger on the glass' }),
    liftTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000, description: 'wait for the finger to be lifted' }),
    storeImages: Type.Boolean({
      default: true,
      description: 'keep the image of the best attempt as lossless PNG, encrypted like the template (templates are always kept); false keeps templates only',
    }),
  },
  { additionalProperties: false, default: {} },
);

export type FingerprintDeviceConfig = Static<typeof FingerprintDeviceConfig>;
export type CapturePlan = Static<typeof CapturePlanConfig>;
