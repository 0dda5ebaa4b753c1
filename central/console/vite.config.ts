import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The central's console for Ministry and programme staff, served by the central at /console/
 * (central/src/routes/console.ts). Preact through plain `h()` calls like the officer UI: no JSX transform,
 * and the root tsconfig type-checks central/console/src as it is. Everything is bundled: the CSP allows
 * scripts and styles from the central's own files only.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
