// Runs an ONNX model with onnxruntime-web's WASM backend under Node, for conformance tests against
// the .NET runtime. Usage: node run-model.mjs <dir>
//   <dir>/model.onnx       the model (e.g. a Tessera training artifact)
//   <dir>/inputs.json      [{ "name", "dtype": "float32"|"int64"|"bool", "dims": [...], "file" }]
//   writes <dir>/outputs.json: [{ "name", "dtype", "dims", "file" }] with raw little-endian files beside it.
import * as ort from 'onnxruntime-web';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) { console.error('usage: node run-model.mjs <dir>'); process.exit(2); }

ort.env.wasm.numThreads = 1;
const arrays = { float32: Float32Array, int64: BigInt64Array, bool: Uint8Array };

const model = await readFile(path.join(dir, 'model.onnx'));
const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
const specs = JSON.parse(await readFile(path.join(dir, 'inputs.json'), 'utf8'));
const feeds = {};
for (const s of specs) {
  const buf = await readFile(path.join(dir, s.file));
  const Ctor = arrays[s.dtype];
  if (!Ctor) throw new Error(`input ${s.name}: unsupported dtype ${s.dtype}`);
  const data = new Ctor(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  feeds[s.name] = new ort.Tensor(s.dtype, data, s.dims);
}
const started = performance.now();
const results = await session.run(feeds);
const elapsedMs = performance.now() - started;
const out = [];
for (const [name, t] of Object.entries(results)) {
  const file = `out_${out.length}.bin`;
  await writeFile(path.join(dir, file), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  out.push({ name, dtype: t.type, dims: t.dims, file });
}
await writeFile(path.join(dir, 'outputs.json'), JSON.stringify({ elapsedMs, outputs: out }));
