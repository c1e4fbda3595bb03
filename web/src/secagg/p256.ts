// The P-256 pieces in WebCrypto (src/Tessera.Federation/Privacy/SecureAggregation/P256Keys.cs): a public key is its
// uncompressed point 0x04 ‖ X ‖ Y (65 bytes, exportKey "raw"), an agreed secret the 32-byte X of d·Q
// (deriveBits 256), and the mask key's private scalar d — which is Shamir-shared — comes from exportKey "jwk".
import { Bytes, fromBase64 } from './bytes';

export const PUBLIC_KEY_BYTES = 65;
export const SCALAR_BYTES = 32;

const Curve = { name: 'ECDH', namedCurve: 'P-256' } as const;

/** A fresh key pair; `extractable` only for the mask pair, whose scalar must be read. */
export function generateKeyPair(extractable: boolean): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(Curve, extractable, ['deriveBits']) as Promise<CryptoKeyPair>;
}

export async function publicKeyBytes(key: CryptoKey): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.exportKey('raw', key));
}

/** d of an extractable private key: JWK's base64url "d", 32 bytes big-endian. */
export async function privateScalar(key: CryptoKey): Promise<Bytes> {
  const jwk = await crypto.subtle.exportKey('jwk', key);
  const d = fromBase64(jwk.d ?? '');
  if (d.length !== SCALAR_BYTES) throw new Error(`the private key's scalar is ${d.length} bytes, not ${SCALAR_BYTES}`);
  return d;
}

/** A public key from its 65 bytes; null when they are not an uncompressed point on the curve. */
export async function importPublic(sec1: Uint8Array | null | undefined): Promise<CryptoKey | null> {
  if (!sec1 || sec1.length !== PUBLIC_KEY_BYTES || sec1[0] !== 0x04) return null;
  try { return await crypto.subtle.importKey('raw', sec1 as Bytes, Curve, true, []); }
  catch { return null; } // not on the curve
}

/** A private key from a JWK (the conformance tests give fixed keys this way). */
export function importPrivateJwk(jwk: JsonWebKey, extractable = true): Promise<CryptoKey> {
  return crypto.subtle.importKey('jwk', jwk, Curve, extractable, ['deriveBits']);
}

/** The raw ECDH secret: X of d·Q, 32 bytes. */
export async function agree(mine: CryptoKey, theirs: CryptoKey): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: theirs }, mine, 256));
}
