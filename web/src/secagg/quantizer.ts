// Floats to Z_{2^b} for summing under masks (src/Tessera.Federation/Privacy/SecureAggregation/SecureQuantizer.cs):
// clip each coordinate to [−c, c], u = (x + c) / Δ with Δ = 2c / (2^q − 1), word = ⌊u⌋ + 1 with probability
// u − ⌊u⌋ (stochastic rounding, unbiased), else ⌊u⌋. A sum S of m inputs decodes to S · Δ − m · c, read centred
// mod 2^b (distributed noise may wrap it); a round with noise may use more bits than bitsFor.
import { wordMask } from './mask-prg';

/** b = q + ⌈log2 n⌉ + 1: sums of n inputs never wrap mod 2^b. */
export function bitsFor(quantizationBits: number, clients: number): number {
  return quantizationBits + (clients <= 1 ? 0 : 32 - Math.clz32(clients - 1)) + 1;
}

export class SecureQuantizer {
  readonly bits: number;
  /** The largest quantized value, 2^q − 1. */
  readonly levels: number;
  /** Δ, the float value of one quantization level. */
  readonly step: number;

  /** `bits`: the round's modulus b, at least bitsFor(q, n) (more leaves room for noise); omitted, the least. */
  constructor(readonly clip: number, readonly quantizationBits: number, readonly clients: number, bits?: number) {
    if (!(clip > 0) || !Number.isFinite(clip)) throw new RangeError('the clipping range c must be positive and finite');
    if (!Number.isInteger(quantizationBits) || quantizationBits < 1 || quantizationBits > 30) throw new RangeError('q must be 1..30');
    if (!Number.isInteger(clients) || clients < 1) throw new RangeError('needs at least one client');
    this.bits = bitsFor(quantizationBits, clients);
    if (this.bits > 32) throw new RangeError(`q = ${quantizationBits} for ${clients} clients needs b = ${this.bits} > 32 bits`);
    if (bits !== undefined) {
      if (!Number.isInteger(bits) || bits < this.bits || bits > 32) throw new RangeError(`b = ${bits}: q = ${quantizationBits} for ${clients} clients needs ${this.bits} to 32 bits`);
      this.bits = bits;
    }
    this.levels = 2 ** quantizationBits - 1;
    this.step = 2 * clip / this.levels;
  }

  /** The largest integer lane value one client may send so that n of them sum below 2^b. */
  get maxLane(): number { return Math.floor(wordMask(this.bits) / this.clients); }

  /** Quantizes `values` into the first values.length words of `into`; `uniform` draws from [0, 1). */
  quantize(values: Float32Array, into: Uint32Array, uniform: () => number): void {
    if (into.length < values.length) throw new RangeError(`${into.length} words cannot hold ${values.length} coordinates`);
    const c = this.clip;
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      if (Number.isNaN(x)) throw new RangeError(`coordinate ${i} is NaN`);
      const u = (Math.min(c, Math.max(-c, x)) + c) / this.step;
      const floor = Math.floor(u);
      const q = floor + (uniform() < u - floor ? 1 : 0);
      into[i] = Math.min(q, this.levels);
    }
  }

  /** Float sums from a sum of `inputs` quantized vectors (the server's side; here for the tests). */
  dequantize(sum: Uint32Array, inputs: number, into: Float32Array): void {
    const middle = inputs * this.levels / 2, modulus = 2 ** this.bits, half = modulus / 2;
    for (let i = 0; i < into.length; i++) {
      let centred = sum[i] % modulus - middle;
      if (centred >= half) centred -= modulus; else if (centred < -half) centred += modulus;
      into[i] = centred * this.step;
    }
  }
}
