import { defineConfig } from 'vite';

// The console is built to static files under dist/, served at /console/ by the embedded process
// and the gateway. Preact's JSX through esbuild (tsconfig: jsxImportSource preact); every asset
// is bundled, nothing comes from a CDN; no inline script, so the strict CSP holds.
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
