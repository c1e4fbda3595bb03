// Builds the browser worker and the dashboard into web/dist: one ES module bundle per entry point, plus the
// HTML pages. onnxruntime-web is not bundled: the Web Worker imports it at run time from /assets/ort/, which
// the coordinator serves from node_modules together with its .wasm files (no CDN).
import { build } from 'esbuild';
import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const web = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(web, 'dist');
await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await build({
  entryPoints: {
    'worker-page': path.join(web, 'src/worker-page.ts'),
    'training-worker': path.join(web, 'src/training-worker.ts'),
    dashboard: path.join(web, 'src/dashboard.ts'),
    'bench-page': path.join(web, 'src/bench-page.ts'),
    // The secure-aggregation pieces as one module, for the cross-implementation tests (not loaded by the pages).
    secagg: path.join(web, 'src/secagg/index.ts'),
    // The upload codecs alone, for the bit-for-bit test against .NET (not loaded by the pages either).
    'update-codec': path.join(web, 'src/update-codec.ts'),
  },
  outdir: dist,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
for (const f of ['worker.html', 'dashboard.html', 'bench.html', 'style.css']) await cp(path.join(web, 'pages', f), path.join(dist, f));
console.log(`built ${dist}`);
