// Encodes a task's delta the way the task asks (src/Tessera.Protocol/Wire/UploadEncoding.cs): dense F32, fp16 or bf16
// (one F16/BF16 tensor per parameter, rounded to nearest even as .NET does), int8 (an I8 tensor shaped like the
// parameter + `name:scales`, one F32 scale per block) or top-k (`name:indices` I32 ascending + `name:values` F32). Top-k keeps error feedback: what one round drops is added to the next delta of the same job.

import { Tensor, fromFloat32 } from './safetensors';
import { UploadEncoding } from './wire';

const residuals = new Map<string, Float32Array>();
let residualJob: string | undefined;

/** k sent for a tensor of n entries: ⌈fraction·n⌉, at least 1 (the coordinator's bound). */
export function kFor(n: number, fraction: number): number {
  return n === 0 ? 0 : Math.min(n, Math.max(1, Math.ceil(fraction * n)));
}

export function encodeDelta(jobId: string, encoding: UploadEncoding | null | undefined, name: string, shape: number[], delta: Float32Array): Tensor[] {
  switch (encoding?.codec ?? 'f32') {
    case 'f32': return [fromFloat32(name, shape, delta)];
    case 'fp16': return [{ name, dtype: 'F16', shape, data: new Uint8Array(toFloat16Bits(delta).buffer) }];
    case 'bf16': return [{ name, dtype: 'BF16', shape, data: new Uint8Array(toBFloat16Bits(delta).buffer) }];
    case 'int8': return int8(name, shape, delta, encoding!.block_size, encoding!.bits ?? 0);
    case 'topk': return topK(jobId, name, delta, encoding!.fraction);
    default: throw new Error(`the task asks for upload codec '${encoding!.codec}', which this worker does not know`);
  }
}

/** Metadata entry naming the encoding (absent for dense F32). */
export function encodingMetadata(encoding: UploadEncoding | null | undefined): Record<string, string> {
  return encoding && encoding.codec !== 'f32' ? { encoding: encoding.codec } : {};
}

/** Codes lie in ±(2^(bits−1) − 1); bits 0 means 8 (UploadEncoding.MaxCode). */
function int8(name: string, shape: number[], delta: Float32Array, blockSize: number, bits: number): Tensor[] {
  const maxCode = (1 << ((bits >= 2 && bits <= 8 ? bits : 8) - 1)) - 1;
  const n = delta.length, chunk = blockSize > 0 ? blockSize : Math.max(n, 1);
  const blocks = n === 0 ? 0 : Math.ceil(n / chunk);
  const q = new Int8Array(n), scales = new Float32Array(blocks);
  for (let c = 0; c < blocks; c++) {
    const start = c * chunk, end = Math.min(n, start + chunk);
    let max = 0;
    for (let i = start; i < end; i++) max = Math.max(max, Math.abs(delta[i]));
    if (!Number.isFinite(max)) throw new Error(`cannot quantize '${name}': it has non-finite values`);
    if (max === 0) continue;
    const scale = Math.fround(max / maxCode);
    scales[c] = scale;
    for (let i = start; i < end; i++) q[i] = Math.max(-maxCode, Math.min(maxCode, Math.round(delta[i] / scale)));
  }
  return [
    { name, dtype: 'I8', shape, data: new Uint8Array(q.buffer) },
    fromFloat32(name + ':scales', [blocks], scales),
  ];
}

function topK(jobId: string, name: string, delta: Float32Array, fraction: number): Tensor[] {
  if (residualJob !== jobId) { residuals.clear(); residualJob = jobId; }
  let residual = residuals.get(name);
  if (!residual || residual.length !== delta.length) residuals.set(name, residual = new Float32Array(delta.length));
  for (let i = 0; i < delta.length; i++) delta[i] += residual[i];

  const n = delta.length, k = kFor(n, fraction);
  // The k-th largest magnitude; entries above it are all kept, ties at it fill the rest in index order.
  const magnitudes = Float32Array.from(delta, Math.abs).sort();
  const threshold = n === 0 ? 0 : magnitudes[n - k];
  let above = 0;
  for (let i = 0; i < n; i++) if (Math.abs(delta[i]) > threshold) above++;
  let ties = k - above;
  const indices = new Int32Array(k), values = new Float32Array(k);
  let j = 0;
  for (let i = 0; i < n && j < k; i++) {
    const a = Math.abs(delta[i]);
    if (a > threshold || (a === threshold && ties-- > 0)) { indices[j] = i; values[j] = delta[i]; j++; }
  }
  // What is not sent this time is carried to the next round.
  residual.set(delta);
  for (let t = 0; t < k; t++) residual[indices[t]] = 0;
  return [
    { name: name + ':indices', dtype: 'I32', shape: [k], data: new Uint8Array(indices.buffer) },
    fromFloat32(name + ':values', [k], values),
  ];
}

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bit patterns, rounded to nearest even; beyond ±65504 gives ±Infinity (which the coordinator refuses). */
export function toFloat16Bits(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i];
    const b = u32[0], sign = (b >>> 16) & 0x8000, e = (b >>> 23) & 0xff, m = b & 0x7fffff;
    if (e === 0xff) { out[i] = sign | 0x7c00 | (m !== 0 ? 0x200 : 0); continue; }
    const he = e - 112; // rebias 127 -> 15
    if (he >= 0x1f) { out[i] = sign | 0x7c00; continue; }
    // Normal halves keep 10 of the 23 mantissa bits; subnormal ones shift the implicit bit in as well.
    const full = he > 0 ? m : m | 0x800000, shift = he > 0 ? 13 : 14 - he;
    if (shift > 24) { out[i] = sign; continue; }
    let r = (he > 0 ? he << 10 : 0) | (full >>> shift);
    const rest = full & ((1 << shift) - 1), half = 1 << (shift - 1);
    if (rest > half || (rest === half && (r & 1) === 1)) r++; // a carry rolls into the exponent, up to Infinity
    out[i] = sign | r;
  }
  return out;
}

/** bfloat16 bit patterns: the float's top half, rounded to nearest even; NaN stays NaN. */
export function toBFloat16Bits(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i];
    const b = u32[0];
    out[i] = Number.isNaN(values[i]) ? (b >>> 16) | 0x40 : (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** The update file gzipped with the browser's own CompressionStream (upload.compression: gzip). */
export async function gzip(file: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([file as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
