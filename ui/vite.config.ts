import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The officer UI. Preact through plain `h()` calls: no JSX transform, no framework plugin, and the root
 * tsconfig type-checks ui/src as it is. Everything is bundled: the appliance works with no internet.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'chrome109',
    sourcemap: false,
    // Inline nothing: the CSP allows scripts and styles only from the appliance's own files.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
