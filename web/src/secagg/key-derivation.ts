// HKDF-SHA256 of every key in a round (src/Tessera.Federation/Privacy/SecureAggregation/SecAggKeyDerivation.cs):
// salt = UTF-8 of "tessera-secagg-v1|{job id}|{round in decimal}", info = the ASCII label of the key's use, 32 bytes out.
import { Bytes, utf8 } from './bytes';

/** Key of the AES-256-GCM share ciphertexts between two clients (ikm: ECDH of their encryption keys). */
export const ShareEncryption = 'share-encryption';
/** AES-256-CTR key of a pairwise mask (ikm: ECDH of the two clients' mask keys). */
export const PairwiseMask = 'pairwise-mask';
/** AES-256-CTR key of a client's self mask (ikm: its 32-byte self-mask seed). */
export const SelfMask = 'self-mask';

export type KeyLabel = typeof ShareEncryption | typeof PairwiseMask | typeof SelfMask;

export class SecAggKeyDerivation {
  readonly salt: Bytes;

  constructor(jobId: string, round: number) {
    if (!Number.isInteger(round) || round < 0) throw new RangeError(`round ${round} is not a non-negative integer`);
    this.salt = utf8(`tessera-secagg-v1|${jobId}|${round}`);
  }

  async derive(ikm: Uint8Array, label: KeyLabel): Promise<Bytes> {
    const key = await crypto.subtle.importKey('raw', ikm as Bytes, 'HKDF', false, ['deriveBits']);
    return new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: this.salt, info: utf8(label) }, key, 256));
  }
}
