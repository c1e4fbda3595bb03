// Shamir secret sharing of 32-byte secrets over p = 2^521 − 1, as src/Tessera.Federation/Privacy/SecureAggregation/
// ShamirSharing.cs does it: f(X) = s + a_1 X + … + a_{t−1} X^{t−1}, each a_i drawn as 66 random bytes with all but the
// lowest bit of the first cleared, rejected when ≥ p; the share of holder x (its 1-based client number) is f(x) mod p,
// 66 bytes big-endian on the wire. Fed the same random bytes, this gives the .NET implementation's shares.
import { Bytes, RandomBytes, bigFromBytes, bigToBytes } from './bytes';

export const PRIME = (1n << 521n) - 1n;
/** A share's y on the wire: big-endian, left-padded to ⌈521 / 8⌉ bytes. */
export const VALUE_BYTES = 66;
export const SECRET_BYTES = 32;

export interface ShamirShare { x: number; y: bigint }

/** Shares of `secret` for each holder (x = its number), any `threshold` of which rebuild it. */
export function split(secret: Uint8Array, threshold: number, holders: number[], random: RandomBytes): ShamirShare[] {
  if (secret.length !== SECRET_BYTES) throw new RangeError(`a secret is ${SECRET_BYTES} bytes, not ${secret.length}`);
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > holders.length) throw new RangeError(`needs 1 ≤ t ≤ ${holders.length} holders, got ${threshold}`);
  if (holders.some(x => !Number.isInteger(x) || x < 1) || new Set(holders).size !== holders.length) throw new RangeError('holders must be distinct indices ≥ 1');
  const coefficients = [bigFromBytes(secret)];
  for (let i = 1; i < threshold; i++) coefficients.push(randomElement(random));
  return holders.map(h => {
    // Horner's rule, highest coefficient first.
    const x = BigInt(h);
    let y = 0n;
    for (let i = threshold - 1; i >= 0; i--) y = (y * x + coefficients[i]) % PRIME;
    return { x: h, y };
  });
}

/** The polynomial's value at 0 through exactly these shares (Lagrange). The server's side; here for the tests. */
export function interpolateAtZero(shares: ShamirShare[]): bigint {
  let sum = 0n;
  for (const j of shares) {
    let num = 1n, den = 1n;
    for (const m of shares) {
      if (m === j) continue;
      num = (num * mod(-BigInt(m.x))) % PRIME;
      den = (den * mod(BigInt(j.x - m.x))) % PRIME;
    }
    sum = (sum + j.y * num % PRIME * power(den, PRIME - 2n)) % PRIME;
  }
  return sum;
}

export function encode(y: bigint): Bytes {
  if (y < 0n || y >= PRIME) throw new RangeError('a share is a field element, in [0, p)');
  return bigToBytes(y, VALUE_BYTES);
}

/** A share's y from its 66 bytes; null when they are not a field element. */
export function decode(bytes: Uint8Array): bigint | null {
  if (bytes.length !== VALUE_BYTES) return null;
  const y = bigFromBytes(bytes);
  return y < PRIME ? y : null;
}

function randomElement(random: RandomBytes): bigint {
  const buffer = new Uint8Array(VALUE_BYTES);
  for (;;) {
    random(buffer);
    buffer[0] &= 0x01; // 521 bits: 1 in the top byte, 65 × 8 below
    const v = bigFromBytes(buffer);
    if (v < PRIME) return v;
  }
}

function mod(v: bigint): bigint { const r = v % PRIME; return r < 0n ? r + PRIME : r; }

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n, b = mod(base), e = exponent;
  while (e > 0n) {
    if (e & 1n) result = result * b % PRIME;
    b = b * b % PRIME;
    e >>= 1n;
  }
  return result;
}
