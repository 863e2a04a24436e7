import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

/** The renderer: Svelte + MapLibre, built into dist/renderer and loaded from disk (Electron) or the web host. */
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [svelte()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
    sourcemap: false,
  },
  server: { port: 5173, strictPort: true },
});
