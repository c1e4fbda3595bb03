// The masks' PRG (src/Tessera.Federation/Privacy/SecureAggregation/MaskExpansion.cs): AES-256-CTR keystream, the
// counter block starting at 16 zero bytes and counting up as one 128-bit big-endian integer, read as little-endian
// uint32 words. Masks add mod 2^32 here; the caller reduces mod 2^b once at the end (2^b divides 2^32).
import { Bytes } from './bytes';

/** One mask to add into (or take out of) a vector: its AES-256-CTR key (already through HKDF) and sign. */
export interface MaskTerm { key: Uint8Array; subtract: boolean }

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The first `words` keystream words of a key. */
export async function keystream(key: Uint8Array, words: number): Promise<Uint32Array> {
  const aes = await crypto.subtle.importKey('raw', key as Bytes, 'AES-CTR', false, ['encrypt']);
  const stream = await crypto.subtle.encrypt({ name: 'AES-CTR', counter: new Uint8Array(16), length: 128 }, aes, new Uint8Array(4 * words));
  if (littleEndian) return new Uint32Array(stream);
  const view = new DataView(stream), out = new Uint32Array(words);
  for (let w = 0; w < words; w++) out[w] = view.getUint32(4 * w, true);
  return out;
}

/** Adds (or subtracts) each term's keystream into `into`, mod 2^32. */
export async function applyMasks(into: Uint32Array, terms: MaskTerm[]): Promise<void> {
  for (const term of terms) {
    const mask = await keystream(term.key, into.length);
    // Uint32Array stores mod 2^32 by itself.
    if (term.subtract) for (let i = 0; i < into.length; i++) into[i] -= mask[i];
    else for (let i = 0; i < into.length; i++) into[i] += mask[i];
  }
}

/** All-ones below bit b: reduces a uint32 mod 2^b. */
export function wordMask(bits: number): number { return bits >= 32 ? 0xffffffff : 2 ** bits - 1; }

/** Reduces every word mod 2^b. */
export function reduce(words: Uint32Array, bits: number): void {
  const m = wordMask(bits);
  if (m !== 0xffffffff) for (let i = 0; i < words.length; i++) words[i] &= m;
}

/** Words on the wire: little-endian uint32, 4 bytes each. */
export function wordsToBytes(words: Uint32Array): Bytes {
  const out = new Uint8Array(4 * words.length);
  if (littleEndian) out.set(new Uint8Array(words.buffer, words.byteOffset, 4 * words.length));
  else { const view = new DataView(out.buffer); words.forEach((w, i) => view.setUint32(4 * i, w, true)); }
  return out;
}
