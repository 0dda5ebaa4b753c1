import { type Static, Type } from '@sinclair/typebox';

/**
 * The appliance configuration (one JSON file, `APPLIANCE_CONFIG`). Versioned: `migrate.ts` upgrades
 * older files before validation. Every key is documented in the README.
 */
export const CONFIG_VERSION = 1;

const Framing = Type.Union([Type.Literal('auto'), Type.Literal('cr'), Type.Literal('crlf'), Type.Literal('stx-etx')], {
  default: 'auto',
  description: 'How the reader frames a read on the wire; auto-detected by default',
});

const HexId = Type.Union([Type.Integer({ minimum: 0, maximum: 0xffff }), Type.String({ pattern: '^(0x)?[0-9A-Fa-f]{1,4}$' })], {
  description: 'USB id as a number or hex string such as "0DB5"',
});

export const MrzDeviceConfig = Type.Union(
  [
    Type.Object(
      {
        transport: Type.Literal('simulator'),
        baudRate: Type.Integer({ minimum: 1200, maximum: 921600, default: 9600 }),
        framing: Framing,
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        transport: Type.Literal('serial'),
        path: Type.String({ minLength: 1, description: 'e.g. /dev/serial/by-id/usb-DESKO_...' }),
        baudRate: Type.Integer({ minimum: 1200, maximum: 921600, default: 9600 }),
        framing: Framing,
        interByteTimeoutMs: Type.Integer({ minimum: 5, maximum: 5000, default: 100 }),
      },
      { additionalProperties: false },
    ),
    Type.Object(
      {
        transport: Type.Literal('hid'),
        vendorId: HexId,
        productId: HexId,
        mode: Type.Union([Type.Literal('pos'), Type.Literal('keyboard')], { default: 'pos' }),
        interByteTimeoutMs: Type.Integer({ minimum: 5, maximum: 5000, default: 100 }),
      },
      { additionalProperties: false },
    ),
    Type.Object({ transport: Type.Literal('none') }, { additionalProperties: false }),
  ],
  { default: { transport: 'simulator', baudRate: 9600, framing: 'auto' } },
);

export const ApplianceConfigSchema = Type.Object(
  {
    version: Type.Literal(CONFIG_VERSION),
    server: Type.Object(
      {
        host: Type.String({ minLength: 1, default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
      },
      { additionalProperties: false, default: {} },
    ),
    dataDir: Type.String({ minLength: 1, default: './data' }),
    office: Type.Object(
      {
        code: Type.String({ pattern: '^[A-Z0-9]{2,8}$', default: 'BBR', description: 'post/office code' }),
        name: Type.String({ minLength: 1, default: 'Beitbridge Labour Migration Centre' }),
      },
      { additionalProperties: false, default: {} },
    ),
    devices: Type.Object(
      {
        mrz: MrzDeviceConfig,
      },
      { additionalProperties: false, default: {} },
    ),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
  },
  { additionalProperties: false },
);

export type ApplianceConfig = Static<typeof ApplianceConfigSchema>;
export type MrzDeviceConfig = Static<typeof MrzDeviceConfig>;
