// Distributed DP noise (src/Tessera.Federation/Privacy/DifferentialPrivacy/SkellamNoise.cs): Skellam shares,
// Poisson(v/2) − Poisson(v/2), added to the quantized words mod 2^b, so the secure sum holds one Skellam mechanism
// the coordinator's accountant charges exactly. Poisson variates by inversion below mean 10, else Hörmann's
// transformed rejection (PTRS), as the .NET worker draws them.

/** log k! : a table below 256, Stirling's series (to 1/k⁵) above, accurate to double precision either way. */
const LOG_FACTORIALS = (() => {
  const t = new Float64Array(256);
  for (let k = 2; k < t.length; k++) t[k] = t[k - 1] + Math.log(k);
  return t;
})();

function logFactorial(k: number): number {
  if (k < LOG_FACTORIALS.length) return LOG_FACTORIALS[k];
  const inv = 1 / k, inv2 = inv * inv;
  return k * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI * k) + inv * (1 / 12 - inv2 * (1 / 360 - inv2 / 1260));
}

/** A Poisson variate of mean `mean`; `uniform` draws from [0, 1). */
export function poisson(mean: number, uniform: () => number): number {
  if (!(mean >= 0) || !Number.isFinite(mean)) throw new RangeError('the mean must be finite and non-negative');
  if (mean === 0) return 0;
  if (mean < 10) {
    const u = uniform();
    let p = Math.exp(-mean), cumulative = p, k = 0;
    while (u >= cumulative && k < 1000) { k++; p *= mean / k; cumulative += p; }
    return k;
  }
  const root = Math.sqrt(mean), logMean = Math.log(mean);
  const b = 0.931 + 2.53 * root, a = -0.059 + 0.02483 * b;
  const inverseAlpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = uniform() - 0.5, v = uniform();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor((2 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(inverseAlpha) - Math.log(a / (us * us) + b) <= -mean + k * logMean - logFactorial(k)) return k;
  }
}

/** One Skellam variate of variance `variance`. */
export function skellam(variance: number, uniform: () => number): number {
  const half = variance / 2;
  return poisson(half, uniform) - poisson(half, uniform);
}

/** Adds a Skellam share of variance `variance` to each word, mod 2^bits. */
export function addSkellamInPlace(words: Uint32Array, variance: number, bits: number, uniform: () => number): void {
  if (!(variance >= 0) || !Number.isFinite(variance)) throw new RangeError('the variance must be finite and non-negative');
  if (variance === 0) return;
  const modulus = 2 ** bits;
  for (let i = 0; i < words.length; i++) {
    const w = (words[i] + skellam(variance, uniform)) % modulus;
    words[i] = w < 0 ? w + modulus : w;
  }
}
