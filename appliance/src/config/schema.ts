import { type Static, Type } from '@sinclair/typebox';
import { PrinterDeviceConfig, ReceiptsConfig } from '../printing/printing-config.ts';
import { CapturePlanConfig, FingerprintDeviceConfig } from '../fingerprints/fingerprint-config.ts';
import { ReferenceSyncConfig } from '../reference/config.ts';
import { ChipDeviceConfig } from '../chip/chip-config.ts';
import { RegistrationRulesConfig } from '../registrations/registration-rules-config.ts';
import { RecruitmentConfig } from '../recruitment/recruitment-config.ts';
import { NotificationsConfig } from '../notifications/notifications-config.ts';

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

/** The central receiver (central/). An empty url means forwarding is not configured: registrations queue locally. */
export const CentralConfig = Type.Object(
  {
    url: Type.String({
      pattern: '^(https?://.+)?$',
      default: '',
      description: 'Base URL of the central receiver, e.g. https://central.example.org/; empty = not configured',
    }),
    connectTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
    responseTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 30_000,
      description: "the central's time to answer once a batch is on the wire; each batch adds the time its bytes need on the measured link",
    }),
    allowInsecureHttp: Type.Optional(
      Type.Boolean({ default: false, description: 'DEVELOPMENT ONLY: accept an http:// central.url (no TLS: registrations travel in clear)' }),
    ),
  },
  { additionalProperties: false, default: {} },
);

/** Store-and-forward: batching, retries, local retention and the admission guard (appliance/src/sync/). */
export const SyncConfig = Type.Object(
  {
    batchMaxRecords: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }),
    batchMaxBytes: Type.Integer({ minimum: 1024, maximum: 50 * 1024 * 1024, default: 1024 * 1024, description: 'record JSON bytes per batch, before gzip' }),
    idlePollMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000 }),
    backoffBaseMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 1_000 }),
    backoffMaxMs: Type.Integer({ minimum: 100, maximum: 86_400_000, default: 300_000 }),
    maxBatchSeconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 600, default: 15, description: 'a batch is sized to take at most this long on the measured link' }),
    ),
    inFlightBatches: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 8,
        default: 4,
        description: 'most batches on the wire before the oldest is answered (hides a satellite round trip); beyond two only while they need < 2 × maxBatchSeconds',
      }),
    ),
    probeIntervalMs: Type.Optional(
      Type.Integer({
        minimum: 1000,
        maximum: 3_600_000,
        default: 30_000,
        description: 'while backing off, how often a cheap reachability probe checks whether the link is back',
      }),
    ),
    unauthorisedRetryMs: Type.Integer({ minimum: 100, maximum: 86_400_000, default: 600_000 }),
    retentionDays: Type.Integer({ minimum: 1, maximum: 3650, default: 90, description: 'days an acknowledged registration stays on the appliance' }),
    minFreeDiskMb: Type.Integer({ minimum: 0, default: 200, description: 'refuse new registrations below this free space' }),
    maxUnsyncedHours: Type.Integer({ minimum: 0, default: 72, description: 'refuse new registrations when the oldest unsent one is older; 0 = off' }),
  },
  { additionalProperties: false, default: {} },
);

export const ApplianceConfigSchema = Type.Object(
  {
    version: Type.Literal(CONFIG_VERSION),
    server: Type.Object(
      {
        host: Type.String({ minLength: 1, default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        allowedHosts: Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:\\[\\]-]+$' }), {
          default: [],
          maxItems: 16,
          description: 'extra host names or addresses the appliance answers to (besides loopback and server.host); anything else gets 421',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    dataDir: Type.String({ minLength: 1, default: './data' }),
    office: Type.Object(
      {
        code: Type.String({ pattern: '^[A-Z0-9]{2,8}$', default: 'BBR', description: 'post/office code' }),
        name: Type.String({ minLength: 1, default: 'Beitbridge Labour Migration Centre' }),
        /** Fingers to capture, attempts, minimum quality, timeouts, whether images are kept (fingerprints/). */
        capturePlan: CapturePlanConfig,
        /** Finalize rules (supervisor approval for minors, expired, specimen documents…) and draft expiry (registrations/). */
        registrationRules: RegistrationRulesConfig,
      },
      { additionalProperties: false, default: {} },
    ),
    devices: Type.Object(
      {
        mrz: MrzDeviceConfig,
        printer: PrinterDeviceConfig,
        fingerprint: FingerprintDeviceConfig,
        /** The passport chip (ICAO 9303 eMRTD) over PC/SC: pcsc by reader name, simulator, or none (chip/). */
        chip: ChipDeviceConfig,
      },
      { additionalProperties: false, default: {} },
    ),
    central: CentralConfig,
    sync: SyncConfig,
    reference: ReferenceSyncConfig,
    receipts: ReceiptsConfig,
    /** Recruitment at the counter (issue #17): forwarding of candidacies and costs, outcome notices (recruitment/). */
    recruitment: RecruitmentConfig,
    /** Messages to migrants: the channel (log by default, or an SMS gateway) and its retries (notifications/). */
    notifications: NotificationsConfig,
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
  },
  { additionalProperties: false },
);

export type ApplianceConfig = Static<typeof ApplianceConfigSchema>;
export type MrzDeviceConfig = Static<typeof MrzDeviceConfig>;
export type CentralConfig = Static<typeof CentralConfig>;
export type SyncConfig = Static<typeof SyncConfig>;
