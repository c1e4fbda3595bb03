// The stage messages of a secure round (src/Tessera.Protocol/Wire/SecureAggregation/), as JSON: snake_case keys,
// byte fields in standard padded base64.

/** What every party of one round agrees on (SecAggParameters). */
export interface SecAggParameters {
  job_id: string; round: number; clients: number; threshold: number; degree: number; bits: number; length: number; graph_seed?: number;
}

/** A task's `secure_aggregation` (SecureAggregationTask). */
export interface SecureAggregationTask {
  parameters: SecAggParameters;
  /** This task's client number, 1..n: the x of its Shamir shares. */
  client: number;
  /** POST and GET {stage_url}/keys, /neighbours, /shares, /input, /unmask. */
  stage_url: string;
  clip: number;
  range: number;
  quantization_bits: number;
  /** Samples at which a client's weight is 1; 0: unweighted. */
  weight_cap?: number;
  /** Distributed DP: the variance, in quantization levels, of this client's Skellam share per word; 0: none. */
  noise_variance?: number;
  /** FedNova: the update is scaled by this over the client's local steps before clipping; 0: not normalized. */
  reference_steps?: number;
  /** SCAFFOLD: Δc_i is masked after the update, times this, clipped to `clip`; 0: no control variates. */
  control_scale?: number;
  /** SCAFFOLD: once the round has closed, GET this to learn whether it counted this tab's input ({ round, counted }). */
  counted_url?: string | null;
}

export interface AdvertisedKeys { client: number; encryption_key: string; mask_key: string }
export interface NeighbourKeys { client: number; neighbours: AdvertisedKeys[] }
export interface EncryptedShare { sender: number; recipient: number; ciphertext: string }
export interface SharedKeys { client: number; seed_commitment: string; shares: EncryptedShare[] }
export interface AddressedShares { client: number; shares: EncryptedShare[] }
export interface MaskedInput { client: number; words: string }
export interface MaskedUpload { input: MaskedInput; steps: number; mean_loss: number; samples_per_second: number }
export interface UnmaskRequest { client: number; survivors: number[]; dropped: number[] }
export interface RevealedShare { owner: number; value: string }
export interface UnmaskShares { client: number; seed_shares: RevealedShare[]; scalar_shares: RevealedShare[] }
