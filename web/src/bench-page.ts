// The /bench page: training speed in this browser, for `tessera bench browser`. Runs a Tessera training
// artifact with onnxruntime-web (WASM, WebGPU where present) and the same architecture written in TensorFlow.js
// (served by the coordinator from node_modules, never a CDN). Each function returns samples per second.
import { numel, readManifest } from './manifest';
import { hasWebGpu, loadOrt } from './ort-loader';
import { BrowserTrainer, OrtModule } from './trainer';

let ort: OrtModule | undefined;

/** Median time of repeated calls after one warm-up, for about `seconds` (at least one call, slow backends included). */
async function medianMs(seconds: number, call: () => Promise<unknown>): Promise<number> {
  await call();
  const times: number[] = [];
  const started = performance.now();
  while (times.length < 1 || performance.now() - started < seconds * 1000) {
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function onnxruntime(url: string, provider: string, seconds: number, threads: number): Promise<number> {
  if (provider === 'webgpu' && !(await hasWebGpu())) return NaN;
  ort ??= await loadOrt(provider === 'webgpu', threads);
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const m = readManifest(bytes);
  const trainer = await BrowserTrainer.create(ort, bytes, m, provider);
  trainer.setParameters(m.parameters.map(p => Float32Array.from({ length: numel(p.shape) }, () => (Math.random() - 0.5) * 0.1)));
  const steps = 20, n = steps * m.batchSize;
  const x = Float32Array.from({ length: n * numel(m.sampleShape) }, () => Math.random());
  const y = BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 10));
  const ms = await medianMs(seconds, () => trainer.train(x, y, steps, { lr: 0.01, momentum: 0.9 }, 1n));
  await trainer.release();
  return n / (ms / 1000);
}

/**
 * GFLOP/s of one MatMul [m, k] × [k, n] (a graph of that one op, from `url`) under onnxruntime-web WASM: the
 * browser's matrix-multiply ceiling, to set the training figures against (2·m·k·n per product, fastest call).
 */
async function gemm(url: string, m: number, k: number, n: number, seconds: number, threads: number): Promise<number> {
  ort ??= await loadOrt(false, threads);
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const a = new ort.Tensor('float32', Float32Array.from({ length: m * k }, () => Math.random() - 0.5), [m, k]);
  const b = new ort.Tensor('float32', Float32Array.from({ length: k * n }, () => Math.random() - 0.5), [k, n]);
  // The fastest call, as the .NET side's GemmPeak takes it: a ceiling, not a typical step.
  await session.run({ a, b });
  let best = Infinity;
  const started = performance.now();
  for (let calls = 0; calls < 3 || performance.now() - started < seconds * 1000; calls++) {
    const t = performance.now();
    await session.run({ a, b });
    best = Math.min(best, performance.now() - t);
  }
  await session.release();
  return 2 * m * k * n / (best / 1000) / 1e9;
}

// TensorFlow.js is loaded as its UMD bundle; only the few calls used here are typed.
interface Tf {
  setBackend(name: string): Promise<boolean>; ready(): Promise<void>; getBackend(): string;
  sequential(c: { layers: unknown[] }): { compile(c: unknown): void; trainOnBatch(x: unknown, y: unknown): Promise<unknown>; dispose(): void };
  layers: Record<string, (c: unknown) => unknown>;
  train: { momentum(lr: number, m: number): unknown };
  randomUniform(shape: number[]): unknown; oneHot(t: unknown, n: number): unknown; tensor1d(v: Int32Array, dtype: string): unknown;
  wasm?: { setWasmPaths(p: string): void };
}

async function script(src: string) {
  if (document.querySelector(`script[src="${src}"]`)) return;
  await new Promise<void>((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src; s.onload = () => resolve(); s.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(s);
  });
}

async function tensorflow(model: '2nn' | 'cnn', backend: string, batch: number, seconds: number): Promise<number> {
  await script('/assets/tfjs/tf.min.js');
  const tf = (window as unknown as { tf: Tf }).tf;
  if (backend === 'wasm') {
    await script('/assets/tfjs-wasm/tf-backend-wasm.min.js');
    tf.wasm!.setWasmPaths('/assets/tfjs-wasm/');
  }
  if (!(await tf.setBackend(backend))) return NaN;
  await tf.ready();
  const L = tf.layers;
  const layers = model === '2nn'
    ? [L.dense({ inputShape: [784], units: 200, activation: 'relu' }), L.dense({ units: 200, activation: 'relu' }), L.dense({ units: 10, activation: 'softmax' })]
    : [L.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 5, padding: 'same', activation: 'relu' }), L.maxPooling2d({ poolSize: 2 }),
      L.conv2d({ filters: 64, kernelSize: 5, padding: 'same', activation: 'relu' }), L.maxPooling2d({ poolSize: 2 }), L.flatten({}),
      L.dense({ units: 512, activation: 'relu' }), L.dense({ units: 10, activation: 'softmax' })];
  const net = tf.sequential({ layers });
  net.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: 'categoricalCrossentropy' });
  const x = tf.randomUniform(model === '2nn' ? [batch, 784] : [batch, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(Int32Array.from({ length: batch }, (_, i) => i % 10), 'int32'), 10);
  // One call = one step (trainOnBatch awaits the loss, so the step is complete): TF.js has no multi-step call.
  try {
    const ms = await medianMs(seconds, () => net.trainOnBatch(x, y));
    return batch / (ms / 1000);
  } catch (e) {
    // e.g. TF.js's WASM backend has no Conv2DBackpropFilter kernel, so it cannot train the CNN.
    console.warn(`TF.js ${backend} cannot train ${model}: ${(e as Error).message}`);
    return NaN;
  } finally { net.dispose(); }
}

(window as unknown as { bench: unknown }).bench = { onnxruntime, tensorflow, gemm, crossOriginIsolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency };
