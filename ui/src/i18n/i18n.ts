import i18next from 'i18next';
import en from './en.json' with { type: 'json' };
import nd from './nd.json' with { type: 'json' };
import sn from './sn.json' with { type: 'json' };

/** The three languages of the counter. One JSON catalogue per language, shared later with the receipts. */
export const LANGUAGES = ['en', 'sn', 'nd'] as const;
export type Language = (typeof LANGUAGES)[number];
export const CATALOGUES: Record<Language, object> = { en, sn, nd };

const STORAGE_KEY = 'bp.language';

export function savedLanguage(): Language {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  return (LANGUAGES as readonly string[]).includes(saved ?? '') ? (saved as Language) : 'en';
}

export async function initI18n(lng: Language = savedLanguage()): Promise<void> {
  await i18next.init({
    lng,
    fallbackLng: 'en',
    resources: { en: { translation: en }, sn: { translation: sn }, nd: { translation: nd } },
    // Preact escapes text itself; escaping here would show &lt; for the MRZ filler.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = lng;
}

export async function setLanguage(lng: Language): Promise<void> {
  await i18next.changeLanguage(lng);
  globalThis.localStorage?.setItem(STORAGE_KEY, lng);
  document.documentElement.lang = lng;
}

export const t = (key: string, options?: Record<string, unknown>): string => i18next.t(key, options) as string;
export const currentLanguage = (): Language => (i18next.language as Language) ?? 'en';

/** A string in a given language whatever the screen's language (the consent text is read in the migrant's). */
export const tIn = (lng: Language, key: string, options?: Record<string, unknown>): string => i18next.getFixedT(lng)(key, options) as string;
