import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';

/**
 * Has the browser fetch the app shell's chunk (React DOM and the project list, imported by renderer/src/main.tsx once
 * its own script runs) with the first script: the browser host then serves it before it is busy with the page's first
 * calls, which it answered first while the shell waited behind them.
 */
function preloadShell(): Plugin {
  return {
    name: 'stillframe:preload-shell',
    transformIndexHtml: {
      order: 'post',
      handler(_html, { bundle }) {
        if (!bundle) return;
        const chunks = new Map(Object.values(bundle).flatMap((item) => (item.type === 'chunk' ? [[item.fileName, item] as const] : [])));
        const shell = [...chunks.values()].find((chunk) => chunk.facadeModuleId === resolve('renderer/src/shell.tsx'));
        if (!shell) throw new Error('The renderer build has no chunk for renderer/src/shell.tsx.');
        const preloaded = new Set<string>();
        for (const chunk of chunks.values()) if (chunk.isEntry) [chunk.fileName, ...chunk.imports].forEach((name) => preloaded.add(name));
        const wanted: string[] = [];
        const add = (name: string) => {
          if (preloaded.has(name)) return;
          preloaded.add(name);
          wanted.push(name);
          chunks.get(name)?.imports.forEach(add);
        };
        add(shell.fileName);
        return wanted.map((name) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `./${name}` }, injectTo: 'head' as const }));
      },
    },
  };
}

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
          // An import's file copies, on a thread beside the dataset thread's row inserts.
          'file-placer': resolve('electron/datasets/file-placer-thread.ts'),
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
    plugins: [preloadShell()],
    build: {
      outDir: 'out/renderer',
      // Minified, the bundle Chromium parses before the first screen is a third of its size (1.7 MB unminified):
      // parsing and compiling it was most of the project list's 300 ms before any project came.
      minify: true,
      rollupOptions: { input: resolve('renderer/index.html') },
    },
  },
});
