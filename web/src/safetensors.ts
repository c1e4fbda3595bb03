// Safetensors (8-byte little-endian header length, JSON header, raw little-endian tensor bytes): the format of
// weights, shards and updates on the wire. Mirrors src/Tessera.Protocol/Safetensors*.cs.

export type DType = 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I8' | 'U8' | 'BOOL' | 'F64';

export interface Tensor {
  name: string;
  dtype: DType;
  shape: number[];
  /** The tensor's bytes; a copy, so typed views on it are aligned. */
  data: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

const itemSize: Record<DType, number> = { F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I8: 1, U8: 1, BOOL: 1, F64: 8 };

export function readSafetensors(bytes: ArrayBuffer | Uint8Array): SafetensorsFile {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (u8.byteLength < 8) throw new Error('safetensors: shorter than the 8-byte header length');
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > u8.byteLength - 8) throw new Error(`safetensors: header length ${headerLength} exceeds the file`);
  const header = JSON.parse(new TextDecoder().decode(u8.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  const dataStart = 8 + headerLength;
  const tensors = new Map<string, Tensor>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') { metadata = value as Record<string, string>; continue; }
    const v = value as { dtype: DType; shape: number[]; data_offsets: [number, number] };
    if (!(v.dtype in itemSize)) throw new Error(`safetensors: tensor '${name}' has unknown dtype ${v.dtype}`);
    const [begin, end] = v.data_offsets;
    const count = v.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * itemSize[v.dtype] || dataStart + end > u8.byteLength)
      throw new Error(`safetensors: tensor '${name}' offsets [${begin}, ${end}] disagree with its shape or the file size`);
    tensors.set(name, { name, dtype: v.dtype, shape: v.shape, data: u8.slice(dataStart + begin, dataStart + end) });
  }
  return { tensors, metadata };
}

/** Writes tensors in the given order with contiguous offsets; metadata keys sorted as the .NET writer does. */
export function writeSafetensors(tensors: Tensor[], metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  const keys = Object.keys(metadata).sort();
  if (keys.length > 0) header['__metadata__'] = Object.fromEntries(keys.map(k => [k, metadata[k]]));
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8; // data section 8-byte aligned, padded with spaces
  if (padded !== json.byteLength) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  let at = 8 + json.byteLength;
  for (const t of tensors) { out.set(t.data, at); at += t.data.byteLength; }
  return out;
}

export function require(file: SafetensorsFile, name: string): Tensor {
  const t = file.tensors.get(name);
  if (!t) throw new Error(`safetensors: tensor '${name}' is missing`);
  return t;
}

export function toFloat32(t: Tensor): Float32Array {
  const b = t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength);
  switch (t.dtype) {
    case 'F32': return new Float32Array(b);
    case 'F64': return Float32Array.from(new Float64Array(b));
    case 'BF16': { const h = new Uint16Array(b); const u = new Uint32Array(h.length); for (let i = 0; i < h.length; i++) u[i] = h[i] << 16; return new Float32Array(u.buffer); }
    case 'F16': return Float32Array.from(new Uint16Array(b), halfToFloat);
    default: throw new Error(`tensor '${t.name}' is ${t.dtype}, expected a float type`);
  }
}

export function toInt64(t: Tensor): BigInt64Array {
  if (t.dtype !== 'I64') throw new Error(`tensor '${t.name}' is ${t.dtype}, expected I64`);
  return new BigInt64Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));
}

export function fromFloat32(name: string, shape: number[], values: Float32Array): Tensor {
  return { name, dtype: 'F32', shape, data: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)) };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}
