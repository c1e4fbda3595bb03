// AES-256-GCM sealing of the shares one client sends another (src/Tessera.Federation/Privacy/SecureAggregation/
// ShareCipher.cs). Output (168 bytes): 12-byte nonce ‖ ciphertext ‖ 16-byte tag. Associated data: u32be(round) ‖
// u32be(sender) ‖ u32be(recipient). Plaintext (140 bytes): u32be(sender) ‖ u32be(recipient) ‖ share of d (66) ‖
// share of the seed (66), both evaluated at x = recipient.
import { Bytes, RandomBytes, concat, u32be } from './bytes';
import { VALUE_BYTES, decode, encode } from './shamir';

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const PLAINTEXT_BYTES = 8 + 2 * VALUE_BYTES;
export const CIPHERTEXT_BYTES = NONCE_BYTES + PLAINTEXT_BYTES + TAG_BYTES;

/** The two shares one client holds of a neighbour's secrets: of its mask-key scalar d and of its self-mask seed. */
export interface HeldShares { scalar: bigint; seed: bigint }

function gcmKey(key: Uint8Array, use: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', key as Bytes, 'AES-GCM', false, [use]);
}

export async function seal(key: Uint8Array, round: number, sender: number, recipient: number, shares: HeldShares, random: RandomBytes): Promise<Bytes> {
  const nonce = new Uint8Array(NONCE_BYTES);
  random(nonce);
  const plaintext = concat(u32be(sender, recipient), encode(shares.scalar), encode(shares.seed));
  const sealed = new Uint8Array(await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: nonce, additionalData: u32be(round, sender, recipient), tagLength: 8 * TAG_BYTES }, await gcmKey(key, 'encrypt'), plaintext));
  plaintext.fill(0);
  return concat(nonce, sealed);
}

/** The shares inside, or null when the ciphertext is not one sealed by `sender` for `recipient` in this round. */
export async function open(key: Uint8Array, round: number, sender: number, recipient: number, ciphertext: Uint8Array | null | undefined): Promise<HeldShares | null> {
  if (!ciphertext || ciphertext.length !== CIPHERTEXT_BYTES) return null;
  let plaintext: Bytes;
  try {
    plaintext = new Uint8Array(await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: ciphertext.slice(0, NONCE_BYTES), additionalData: u32be(round, sender, recipient), tagLength: 8 * TAG_BYTES },
      await gcmKey(key, 'decrypt'), ciphertext.slice(NONCE_BYTES)));
  } catch { return null; } // authentication failed
  const view = new DataView(plaintext.buffer);
  if (view.getUint32(0, false) !== sender >>> 0 || view.getUint32(4, false) !== recipient >>> 0) return null;
  const scalar = decode(plaintext.subarray(8, 8 + VALUE_BYTES));
  const seed = decode(plaintext.subarray(8 + VALUE_BYTES, 8 + 2 * VALUE_BYTES));
  plaintext.fill(0);
  return scalar !== null && seed !== null ? { scalar, seed } : null;
}
