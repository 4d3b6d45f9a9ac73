import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // zod is bundled rather than loaded from node_modules: Node reads its hundred-odd modules one by one, which
      // costs the CLI about 0.2 s on every command.
      externalizeDeps: { exclude: ['zod'] },
      rollupOptions: {
        input: {
          main: resolve('electron/main.ts'),
          cli: resolve('electron/cli/main.ts'),
          // Imports and exports run on a thread of their own, whose young generation can be kept small.
          'dataset-worker': resolve('electron/datasets/dataset-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { preload: resolve('electron/preload.ts') },
        // A sandboxed preload must be one CommonJS file; electron-vite would emit ESM under "type": "module".
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve('renderer'),
    build: {
      outDir: 'out/renderer',
      // Minified, the bundle Chromium parses before the first screen is a third of its size (1.7 MB unminified):
      // parsing and compiling it was most of the project list's 300 ms before any project came.
      minify: true,
      rollupOptions: { input: resolve('renderer/index.html') },
    },
  },
});
