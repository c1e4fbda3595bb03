// Byte helpers of the secure-aggregation code: big-endian integers, base64 (standard, padded, as System.Text.Json
// writes byte[]; and JWK's base64url), and the randomness source every secret comes from.

/** Bytes backed by an ArrayBuffer (what WebCrypto takes). */
export type Bytes = Uint8Array<ArrayBuffer>;

/** Fills `into` with random bytes: the browser's CSPRNG in production, a fixed stream in the conformance tests. */
export type RandomBytes = (into: Uint8Array) => void;

export const systemRandom: RandomBytes = into => {
  // getRandomValues fills at most 65,536 bytes a call.
  for (let i = 0; i < into.length; i += 65536) crypto.getRandomValues(into.subarray(i, Math.min(into.length, i + 65536)));
};

export function concat(...parts: Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Each value as 4 bytes big-endian ("u32be"), concatenated. */
export function u32be(...values: number[]): Bytes {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(4 * i, v >>> 0, false));
  return out;
}

export function utf8(text: string): Bytes { return new TextEncoder().encode(text) as Bytes; }

/** An unsigned big-endian integer. */
export function bigFromBytes(bytes: Uint8Array): bigint {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex ? BigInt('0x' + hex) : 0n;
}

/** `v` (≥ 0) as `length` bytes big-endian, left-padded with zeros; throws when it does not fit. */
export function bigToBytes(v: bigint, length: number): Bytes {
  if (v < 0n) throw new RangeError('negative integer');
  const hex = v.toString(16);
  if (hex.length > 2 * length) throw new RangeError(`${hex.length * 4}-bit integer does not fit ${length} bytes`);
  const padded = hex.padStart(2 * length, '0');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = parseInt(padded.substr(2 * i, 2), 16);
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Standard base64 (padding optional) or base64url, to bytes; throws on anything else. */
export function fromBase64(text: string): Bytes {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '='));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
