import { type Static, Type } from '@sinclair/typebox';

/**
 * Messages to migrants (issue #17 item 5; config `notifications`). The default channel logs instead of sending;
 * `http-gateway` posts each message to an SMS gateway (notifications/http-gateway-channel.ts). The gateway's token
 * lives in a file (tokenFile, mode 0600), never in this configuration.
 */
export const NotificationsConfig = Type.Object(
  {
    channel: Type.Union([Type.Literal('log'), Type.Literal('http-gateway')], { default: 'log', description: "'log' (default: nothing leaves the appliance) or 'http-gateway'" }),
    httpGateway: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: '^https://.+', description: 'the gateway send endpoint (https only)' }),
          tokenFile: Type.Optional(Type.String({ minLength: 1, description: 'file holding the API token, sent as Authorization: Bearer' })),
          sender: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
          timeoutMs: Type.Integer({ minimum: 1000, maximum: 120_000, default: 15_000 }),
        },
        { additionalProperties: false },
      ),
    ),
    intervalMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 15_000, description: 'how often due messages are retried' }),
    maxAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 12 }),
    backoffBaseMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000 }),
    backoffMaxMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 3_600_000 }),
  },
  { additionalProperties: false, default: {} },
);
export type NotificationsConfig = Static<typeof NotificationsConfig>;
