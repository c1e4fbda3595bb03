// Local differential privacy (privacy.dp.mode local), as src/Tessera.Federation/Privacy/DifferentialPrivacy/LocalPrivacy.cs
// does it: clip the whole update (every tensor together) to L2 norm C, then add N(0, (z·C)²) to each value, here, before
// anything is encoded or leaves the tab. The noise comes from the browser's cryptographic generator, so nobody can
// replay and subtract it.

/** Clips `parts` in place to a joint L2 norm of `clip`, then adds Gaussian noise of σ = noiseMultiplier · clip. */
export function privatize(parts: Float32Array[], clip: number, noiseMultiplier: number): void {
  let squares = 0;
  for (const p of parts) for (let j = 0; j < p.length; j++) squares += p[j] * p[j];
  const norm = Math.sqrt(squares);
  const scale = norm > clip ? clip / norm : 1;
  const sigma = noiseMultiplier * clip;
  const gaussian = gaussians();
  for (const p of parts) {
    for (let j = 0; j < p.length; j++) p[j] = p[j] * scale + sigma * gaussian();
  }
}

/** Uniforms in (0, 1] with 53 random bits each, from crypto.getRandomValues drawn in blocks. */
export function uniforms(): () => number {
  const block = new Uint32Array(4096);
  let at = block.length;
  return (): number => {
    if (at + 2 > block.length) { crypto.getRandomValues(block); at = 0; }
    // 53 random bits in (0, 1]: never 0, so a log of it is finite.
    const hi = block[at++] >>> 5, lo = block[at++] >>> 6;
    return (hi * 67108864 + lo + 1) / 9007199254740992;
  };
}

/** Standard normals by Box–Muller over uniforms from crypto.getRandomValues, drawn in blocks. */
export function gaussians(): () => number {
  const uniform = uniforms();
  let spare: number | null = null;
  return () => {
    if (spare !== null) { const s = spare; spare = null; return s; }
    const r = Math.sqrt(-2 * Math.log(uniform())), t = 2 * Math.PI * uniform();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}
