/**
 * Config schemas of the printing part, plugged into config/schema.ts as `devices.printer` and
 * `receipts`. Every key is documented in the README.
 */
import { type Static, Type } from '@sinclair/typebox';

const PaperWidth = Type.Union([Type.Literal(58), Type.Literal(80)], { default: 80, description: 'roll width in mm' });
const Baud = Type.Integer({ minimum: 1200, maximum: 921600, default: 115200 });

export const PrinterDeviceConfig = Type.Union(
  [
    Type.Object({ transport: Type.Literal('simulator'), paperWidth: PaperWidth, baudRate: Baud }, { additionalProperties: false }),
    Type.Object(
      {
        transport: Type.Literal('serial'),
        path: Type.String({ minLength: 1, description: 'e.g. /dev/serial/by-id/usb-EPSON_TM-T20...' }),
        baudRate: Baud,
        paperWidth: PaperWidth,
      },
      { additionalProperties: false },
    ),
    Type.Object({ transport: Type.Literal('none') }, { additionalProperties: false }),
  ],
  { default: { transport: 'simulator', paperWidth: 80, baudRate: 115200 } },
);

export const ReceiptsConfig = Type.Object(
  {
    helpLine: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'phone number printed on receipts' })),
    /** IANA zone of the office: the receipt's date and the daily report's day. */
    timeZone: Type.String({ minLength: 1, default: 'Africa/Harare' }),
    trustedAppliances: Type.Array(
      Type.Object(
        {
          deviceId: Type.String({ minLength: 1, maxLength: 128 }),
          publicKeyPem: Type.String({ minLength: 40, description: 'Ed25519 SPKI PEM of the other appliance' }),
          officeCode: Type.Optional(Type.String({ pattern: '^[A-Z0-9]{2,8}$' })),
        },
        { additionalProperties: false },
      ),
      { default: [], description: "other offices' appliances whose receipts this one confirms" },
    ),
  },
  { additionalProperties: false, default: {} },
);

export type PrinterDeviceConfig = Static<typeof PrinterDeviceConfig>;
export type ReceiptsConfig = Static<typeof ReceiptsConfig>;
