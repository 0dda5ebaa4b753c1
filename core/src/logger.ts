import pino, { type Logger } from 'pino';

/**
 * One root pino logger; modules take a namespaced child (`createLogger('mrz:serial')`).
 * Raw frames are logged at debug with a direction tag (» out, « in). Biometric payloads
 * and key material are never passed to a logger: the redact list is a second line of defence.
 */
const level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');

export const rootLogger: Logger = pino({
  level,
  base: undefined,
  redact: {
    paths: ['*.template', '*.image', '*.privateKey', '*.secretKey', '*.key', '*.pin', '*.password', '*.dataKey'],
    censor: '[redacted]',
  },
});

export function createLogger(namespace: string, parent: Logger = rootLogger): Logger {
  return parent.child({ ns: namespace });
}

export type { Logger };
