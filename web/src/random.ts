// SplitMix64, bit for bit the generator of src/Tessera.Data/DeterministicRandom.cs: a task's seed must give the
// browser the same batch order as the .NET worker, or their updates would differ.

const MASK = (1n << 64n) - 1n;

export class DeterministicRandom {
  private state: bigint;

  constructor(seed: bigint) { this.state = BigInt.asUintN(64, seed); }

  nextUInt64(): bigint {
    this.state = (this.state + 0x9E3779B97F4A7C15n) & MASK;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & MASK;
    return z ^ (z >> 31n);
  }

  /** Uniform in [0, max) without modulo bias (rejects the top sliver, as the C# version does). */
  nextInt(max: number): number {
    const bound = BigInt(max);
    const limit = MASK - (MASK % bound);
    let x: bigint;
    do x = this.nextUInt64(); while (x >= limit);
    return Number(x % bound);
  }

  /** Fisher–Yates over 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const t = p[i]; p[i] = p[j]; p[j] = t;
    }
    return p;
  }
}

/**
 * Sample positions in training order (src/Tessera.Data/Batching/Batcher.cs): each epoch reshuffles and yields
 * floor(n/B) full batches; a set smaller than B yields one wrapped batch per epoch.
 */
export function trainingOrder(sampleCount: number, batchSize: number, epochs: number, seed: bigint): Int32Array {
  if (sampleCount <= 0 || batchSize <= 0) throw new Error('training order needs samples and a positive batch size');
  const perEpoch = sampleCount < batchSize ? 1 : Math.floor(sampleCount / batchSize);
  const rng = new DeterministicRandom(seed);
  const order = new Int32Array(epochs * perEpoch * batchSize);
  let k = 0;
  for (let e = 0; e < epochs; e++) {
    const perm = rng.permutation(sampleCount);
    for (let slot = 0; slot < perEpoch * batchSize; slot++) order[k++] = perm[slot % sampleCount];
  }
  return order;
}
