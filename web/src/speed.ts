// An on-device benchmark with a real training artifact on random data: samples/s per execution provider.
// It decides WASM vs WebGPU and gives the coordinator a speed to size tasks by before any result arrives.
import { ArtifactManifest, numel } from './manifest';
import { BrowserTrainer, OrtModule } from './trainer';

/**
 * Trains calls of `steps` steps until the speed settles: the first calls run in V8's baseline WebAssembly tier,
 * several times slower than the optimized code that tasks run once it is compiled (seconds later), and the speed
 * reported is what the coordinator sizes the first task by.
 */
export async function measureSamplesPerSecond(ort: OrtModule, artifact: Uint8Array, m: ArtifactManifest, weights: Float32Array[],
  provider: string, steps = 20, minSeconds = 2, maxSeconds = 15): Promise<{ samplesPerSecond: number; trainer: BrowserTrainer }> {
  const trainer = await BrowserTrainer.create(ort, artifact, m, provider);
  const n = steps * m.batchSize;
  const x = new Float32Array(n * numel(m.sampleShape));
  for (let i = 0; i < x.length; i++) x[i] = Math.random();
  const xs = m.inputType === 'Int64' ? new BigInt64Array(x.length) : x;
  const y = m.labelType === 'Int64' ? new BigInt64Array(n * numel(m.labelShape)) : new Float32Array(n * numel(m.labelShape));
  const hp = { lr: 0.001 };
  trainer.setParameters(weights.map(w => w.slice()));
  trainer.setGlobalWeights(weights);
  const begun = performance.now();
  let best = 0, last = 0;
  for (let call = 1n; ; call++) {
    const started = performance.now();
    await trainer.train(xs, y, steps, hp, call);
    last = n / Math.max(1e-6, (performance.now() - started) / 1000);
    best = Math.max(best, last);
    const elapsed = (performance.now() - begun) / 1000;
    if (elapsed >= maxSeconds || (elapsed >= minSeconds && call >= 3n && last >= 0.9 * best)) break;
  }
  return { samplesPerSecond: last, trainer };
}
