import { readFileSync } from 'node:fs';

/** WCAG 2.x relative luminance and contrast ratio of #rrggbb colours (the UI's and the console's contrast tests). */
export function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** The `--name: #rrggbb` custom properties of a style sheet. */
export function cssColourVariables(css: string): Record<string, string> {
  return Object.fromEntries([...css.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1] as string, m[2] as string]));
}

/** A style sheet's text with its `@import '…';` lines replaced by the imported files, as the bundler inlines them. */
export function readStylesheet(url: URL): string {
  return readFileSync(url, 'utf8').replace(/^@import '([^']+)';$/gm, (_line, spec: string) => readStylesheet(new URL(spec, url)));
}
