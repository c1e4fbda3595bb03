// A short on-device benchmark with a real training artifact on random data: samples/s per execution provider.
// It decides WASM vs WebGPU and gives the coordinator a speed to size tasks by before any result arrives.
import { ArtifactManifest, numel } from './manifest';
import { BrowserTrainer, OrtModule } from './trainer';

export async function measureSamplesPerSecond(ort: OrtModule, artifact: Uint8Array, m: ArtifactManifest, weights: Float32Array[],
  provider: string, steps = 20): Promise<{ samplesPerSecond: number; trainer: BrowserTrainer }> {
  const trainer = await BrowserTrainer.create(ort, artifact, m, provider);
  const n = steps * m.batchSize;
  const x = new Float32Array(n * numel(m.sampleShape));
  for (let i = 0; i < x.length; i++) x[i] = Math.random();
  const xs = m.inputType === 'Int64' ? new BigInt64Array(x.length) : x;
  const y = m.labelType === 'Int64' ? new BigInt64Array(n * numel(m.labelShape)) : new Float32Array(n * numel(m.labelShape));
  const hp = { lr: 0.001 };
  trainer.setParameters(weights.map(w => w.slice()));
  trainer.setGlobalWeights(weights);
  await trainer.train(xs, y, steps, hp, 1n); // warm-up: the first run allocates and plans
  const started = performance.now();
  await trainer.train(xs, y, steps, hp, 2n);
  return { samplesPerSecond: n / Math.max(1e-6, (performance.now() - started) / 1000), trainer };
}
