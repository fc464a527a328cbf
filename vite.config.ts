import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { buildMnist } from './scripts/build-mnist.mjs';

/** Cross-origin isolation enables SharedArrayBuffer, which multi-threaded wasm needs. */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Converts the mnist package into compact idx.gz files under public/data before serving or building. */
function embeddedData(): Plugin {
  return {
    name: 'ddae-embedded-data',
    async buildStart() {
      await buildMnist();
    },
  };
}

export default defineConfig({
  plugins: [react(), embeddedData()],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: {
    format: 'es',
    // tfjs' threaded wasm starts its pthreads from `factory.toString()`; minified, that source refers to
    // names outside the function and every pthread dies with "e is not defined". Keep the worker readable.
    rolldownOptions: { output: { minify: false } },
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    // The benchmark page (`npm run bench -- --suites browser`) is built beside the app, never loaded by it.
    rolldownOptions: { input: { main: 'index.html', bench: 'bench.html' } },
  },
  optimizeDeps: { exclude: ['@tensorflow/tfjs-backend-wasm'] },
});
