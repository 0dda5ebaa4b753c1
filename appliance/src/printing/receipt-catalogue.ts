/**
 * Receipt strings from the catalogue the UI shares (ui/src/i18n/receipt.<lang>.json, i18next
 * nested-JSON layout, namespace `receipt`, `{{name}}` interpolation). English is complete and
 * reviewed; Shona and Ndebele are drafts awaiting native-speaker review (their `_meta.review`),
 * and any key they lack falls back to English rather than printing a key name.
 */
import { readFileSync } from 'node:fs';
import { ApplianceError, ApplianceErrors } from '../errors.ts';
import { installRoot } from '@lmc/core/runtime-paths.ts';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const RECEIPT_LANGUAGES = ['en', 'sn', 'nd'] as const;
export type ReceiptLanguage = (typeof RECEIPT_LANGUAGES)[number];

export function isReceiptLanguage(v: unknown): v is ReceiptLanguage {
  return typeof v === 'string' && (RECEIPT_LANGUAGES as readonly string[]).includes(v);
}

type Tree = { [k: string]: string | Tree };

export interface ReceiptCatalogue {
  language: ReceiptLanguage;
  /** false for a draft translation (not yet reviewed by a native speaker). */
  reviewed: boolean;
  /** The string at a dotted path, with `{{var}}` filled in; English when this language lacks it. */
  t(key: string, vars?: Record<string, string>): string;
}

const CATALOGUE_DIR = pathToFileURL(join(installRoot(import.meta.url), 'ui', 'src', 'i18n', '/'));
const trees = new Map<ReceiptLanguage, Tree>();

function load(language: ReceiptLanguage): Tree {
  let tree = trees.get(language);
  if (!tree) {
    try {
      tree = JSON.parse(readFileSync(new URL(`receipt.${language}.json`, CATALOGUE_DIR), 'utf8')) as Tree;
    } catch (err) {
      throw new ApplianceError(ApplianceErrors.RECEIPT_CATALOGUE_INVALID.code, `the receipt text catalogue for '${language}' cannot be read`, {
        language,
        cause: (err as Error).message,
      });
    }
    trees.set(language, tree);
  }
  return tree;
}

function lookup(tree: Tree, key: string): string | undefined {
  let node: string | Tree | undefined = tree;
  for (const part of key.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = node[part];
  }
  return typeof node === 'string' ? node : undefined;
}

export function receiptCatalogue(language: ReceiptLanguage): ReceiptCatalogue {
  if (!isReceiptLanguage(language)) throw new ApplianceError(ApplianceErrors.INVALID_INPUT.code, `no receipt language '${String(language)}'`);
  const tree = load(language);
  const english = load('en');
  const meta = tree._meta;
  return {
    language,
    reviewed: typeof meta === 'object' && meta.review === 'reviewed',
    t(key, vars = {}) {
      const text = lookup(tree, key) ?? lookup(english, key);
      if (text === undefined) throw new ApplianceError(ApplianceErrors.RECEIPT_CATALOGUE_INVALID.code, `the receipt catalogue has no '${key}'`, { key });
      return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, name: string) => vars[name] ?? '');
    },
  };
}

const consentTexts = new Map<ReceiptLanguage, string>();

/**
 * The consent text exactly as the counter shows it to the migrant in `language` (ui/src/i18n/<language>.json,
 * `consent.text`): the slip prints the text the migrant agreed to, in the language it was given.
 */
export function consentStatement(language: ReceiptLanguage): string {
  if (!isReceiptLanguage(language)) throw new ApplianceError(ApplianceErrors.INVALID_INPUT.code, `no consent language '${String(language)}'`);
  let text = consentTexts.get(language);
  if (text === undefined) {
    try {
      const tree = JSON.parse(readFileSync(new URL(`${language}.json`, CATALOGUE_DIR), 'utf8')) as { consent?: { text?: unknown } };
      if (typeof tree.consent?.text !== 'string') throw new Error('consent.text is missing');
      text = tree.consent.text;
    } catch (err) {
      throw new ApplianceError(ApplianceErrors.RECEIPT_CATALOGUE_INVALID.code, `the consent text for '${language}' cannot be read`, { language, cause: (err as Error).message });
    }
    consentTexts.set(language, text);
  }
  return text;
}
