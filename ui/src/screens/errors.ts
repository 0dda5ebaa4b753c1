import { ApiError } from '../api.ts';
import { deviceFaultText } from '../device-text.ts';
import { t } from '../i18n/i18n.ts';
import type { Registration } from '../types.ts';

/** An error in the officer's language when its code is known; the server's (English) message otherwise. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'NETWORK') return t('error.network');
    const key = `error.${err.code}`;
    const text = t(key, { message: err.message });
    if (text !== key) return text;
    // A device's fault in words from its code, never the device's English message.
    return deviceFaultText(err.code) ?? t('error.generic', { message: err.message });
  }
  return t('error.generic', { message: (err as Error).message });
}

/** The registration number the receipt and the slip print (BBR-7F3K-9QXM), as the API gives it; never the UUID. */
export const registrationNumberOf = (r: Registration): string | null => (r as Registration & { registrationNumber?: string }).registrationNumber ?? null;
