// What a client of a secure round masks (src/Tessera.Federation/Privacy/SecureAggregation/SecureUpdateFormat.cs),
// length d + 2: with FedNova (reference_steps > 0) the update first scaled by reference_steps / its local steps; then
// clipped to L2 norm `clip`, scaled by its weight w = min(1, samples / weight_cap) in
// 1/65535ths (1 when weight_cap is 0), quantized over [−range, range], and with distributed DP (noise_variance > 0)
// given a Skellam share of that variance, in levels, per word mod 2^b (skellam.ts); then two integer lanes:
// round(w · 65535) (at least 1), and 1 if the update was within `clip` before clipping, else 0 (always 0 when noised).
// SCAFFOLD (control_scale > 0): Δc_i follows the update, unweighted, as Δc_i · control_scale clipped to `clip`.
import { uniforms } from '../local-privacy';
import { SecureAggregationTask } from './messages';
import { SecureQuantizer } from './quantizer';
import { addSkellamInPlace } from './skellam';

export const WEIGHT_LEVELS = 65535;
const LANES = 2;

export function lengthFor(modelLength: number, controls = false): number { return (controls ? 2 * modelLength : modelLength) + LANES; }

function hasControls(task: SecureAggregationTask): boolean { return (task.control_scale ?? 0) > 0; }

/**
 * SCAFFOLD: Δc_i as the round counts it, scaled so that control_scale · Δc_i has L2 norm at most `clip`; what the tab
 * adds to its own c_i once the round counted it.
 */
export function boundedControl(controlDelta: Float32Array, task: SecureAggregationTask): Float32Array {
  const s = task.control_scale ?? 0;
  if (!(s > 0)) throw new Error('this round carries no control variates');
  const x = new Float32Array(controlDelta.length);
  const scale = Math.fround(s), inverse = Math.fround(1 / s);
  for (let i = 0; i < x.length; i++) x[i] = controlDelta[i] * scale;
  clipInPlace(x, task.clip);
  for (let i = 0; i < x.length; i++) x[i] *= inverse;
  return x;
}

/** The quantizer of a task, checked against the round's parameters as the .NET format checks it. */
export function quantizerFor(modelLength: number, task: SecureAggregationTask): SecureQuantizer {
  const quantizer = new SecureQuantizer(task.range, task.quantization_bits, task.parameters.clients, task.parameters.bits);
  const variance = task.noise_variance ?? 0;
  if (!(variance >= 0) || !Number.isFinite(variance)) throw new Error(`the noise variance is ${variance}; it must be 0 (none) or positive`);
  if (quantizer.maxLane < WEIGHT_LEVELS) throw new Error(`b = ${quantizer.bits} leaves lanes below ${WEIGHT_LEVELS}; use at least 15 quantization bits`);
  const length = lengthFor(modelLength, hasControls(task));
  if (task.parameters.length !== length) throw new Error(`the round masks ${task.parameters.length} words; a model of ${modelLength} needs ${length}`);
  return quantizer;
}

/**
 * The client's words from its update (the parts, in the artifact's parameter order, are not modified), and with
 * SCAFFOLD its flat Δc_i (required exactly when the round carries control variates).
 */
export function encodeUpdate(parts: Float32Array[], samples: number, steps: number, task: SecureAggregationTask,
  uniform: () => number = unitInterval(), noise: () => number = unitInterval(), controlDelta?: Float32Array): Uint32Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const quantizer = quantizerFor(length, task);
  if (hasControls(task) !== (controlDelta !== undefined)) {
    throw new Error(hasControls(task) ? "this round masks SCAFFOLD's control delta beside the update; none was given" : 'this round carries no control variates');
  }
  const x = new Float32Array(length);
  let at = 0;
  for (const p of parts) { x.set(p, at); at += p.length; }
  const reference = task.reference_steps ?? 0;
  if (reference > 0) {
    const scale = Math.fround(reference / Math.max(1, steps));
    for (let i = 0; i < length; i++) x[i] *= scale;
  }
  const within = clipInPlace(x, task.clip);
  const cap = task.weight_cap ?? 0;
  const lane = cap > 0 ? Math.min(WEIGHT_LEVELS, Math.max(1, roundHalfEven(samples / cap * WEIGHT_LEVELS))) : WEIGHT_LEVELS;
  if (lane !== WEIGHT_LEVELS) {
    const w = Math.fround(lane / WEIGHT_LEVELS);
    for (let i = 0; i < length; i++) x[i] *= w;
  }
  const words = new Uint32Array(lengthFor(length, controlDelta !== undefined));
  quantizer.quantize(x, words, uniform);
  const variance = task.noise_variance ?? 0;
  addSkellamInPlace(words.subarray(0, length), variance, quantizer.bits, noise);
  let lanes = length;
  if (controlDelta) {
    const c = boundedControl(controlDelta, task), scale = Math.fround(task.control_scale!);
    for (let i = 0; i < c.length; i++) c[i] *= scale;
    quantizer.quantize(c, words.subarray(length), uniform);
    lanes += length;
  }
  words[lanes] = lane;
  words[lanes + 1] = within && !(variance > 0) ? 1 : 0;
  return words;
}

/** Scales `x` in place to L2 norm at most `bound`; true when it already was within it. */
function clipInPlace(x: Float32Array, bound: number): boolean {
  if (!(bound > 0)) throw new RangeError('the clipping bound must be positive');
  let squares = 0;
  for (let i = 0; i < x.length; i++) squares += x[i] * x[i];
  const norm = Math.sqrt(squares);
  if (norm <= bound) return true;
  const scale = Math.fround(bound / norm);
  for (let i = 0; i < x.length; i++) x[i] *= scale;
  return false;
}

/** .NET's Math.Round: halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v), d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

/** Uniforms in [0, 1) from the browser's CSPRNG. */
function unitInterval(): () => number {
  const u = uniforms();
  return () => 1 - u();
}
