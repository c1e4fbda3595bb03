// One client's side of one SecAgg+ round, as a state machine driven by the server's payloads
// (src/Tessera.Federation/Privacy/SecureAggregation/SecAggClient.cs): advertise keys → share keys → masked input →
// unmask, each once and in order. A payload it must not act on is refused with a SecAggRefusal, and the client
// stays where it was. Byte for byte the .NET client's messages (docs/PRIVACY.md, "Byte-level specification").
import { Bytes, RandomBytes, fromBase64, systemRandom, toBase64 } from './bytes';
import { PairwiseMask, SecAggKeyDerivation, SelfMask, ShareEncryption } from './key-derivation';
import { MaskTerm, applyMasks, reduce, wordMask, wordsToBytes } from './mask-prg';
import { AddressedShares, AdvertisedKeys, MaskedInput, NeighbourKeys, SecAggParameters, SharedKeys, UnmaskRequest, UnmaskShares } from './messages';
import { agree, generateKeyPair, importPublic, privateScalar, publicKeyBytes } from './p256';
import { HeldShares, open, seal } from './share-cipher';
import { SECRET_BYTES, encode, split } from './shamir';

/** A stage payload this client refuses to act on; nothing changed. */
export class SecAggRefusal extends Error {}

type Step = 'advertise' | 'share-keys' | 'mask-input' | 'unmask' | 'done';

/** The round's two key pairs: encryption (seals shares) and mask (agrees pairwise masks; its scalar is shared). */
export interface ClientKeys { encryption: CryptoKeyPair; mask: CryptoKeyPair; maskScalar: Uint8Array }

export function validate(p: SecAggParameters): void {
  const bad = (why: string) => { throw new RangeError(`secure aggregation parameters: ${why}`); };
  if (typeof p.job_id !== 'string') bad('a round needs its job id');
  if (!Number.isInteger(p.round) || p.round < 0) bad(`round ${p.round} is negative`);
  if (!Number.isInteger(p.clients) || p.clients < 3) bad(`needs at least 3 clients, not ${p.clients}`);
  if (!Number.isInteger(p.degree) || p.degree < 2 || p.degree > p.clients - 1) bad(`degree k = ${p.degree} must be in 2..${p.clients - 1}`);
  if (!Number.isInteger(p.threshold) || p.threshold < 2 || p.threshold > p.degree) bad(`threshold t = ${p.threshold} must be in 2..k = ${p.degree}`);
  if (!Number.isInteger(p.bits) || p.bits < 1 || p.bits > 32) bad(`b = ${p.bits} bits must be in 1..32`);
  if (!Number.isInteger(p.length) || p.length < 1 || p.length > 0x1fffffff) bad(`length ${p.length} is out of range`);
}

export class SecAggClient {
  private step: Step = 'advertise';
  private readonly kdf: SecAggKeyDerivation;
  private neighbourEncryption?: Map<number, CryptoKey>;
  private neighbourMask?: Map<number, CryptoKey>;
  private held?: Map<number, HeldShares>;
  private seed?: Bytes;
  private busy = false;

  private constructor(readonly parameters: SecAggParameters, readonly index: number, private readonly keys: ClientKeys, private readonly random: RandomBytes) {
    this.kdf = new SecAggKeyDerivation(parameters.job_id, parameters.round);
  }

  /** A client with fresh key pairs (`keys` only in tests, which fix them). */
  static async create(parameters: SecAggParameters, index: number, random: RandomBytes = systemRandom, keys?: ClientKeys): Promise<SecAggClient> {
    validate(parameters);
    if (!Number.isInteger(index) || index < 1 || index > parameters.clients) throw new RangeError(`client index must be in 1..${parameters.clients}`);
    if (!keys) {
      const encryption = await generateKeyPair(false);
      // Extractable: its scalar d is Shamir-shared among the neighbours.
      const mask = await generateKeyPair(true);
      keys = { encryption, mask, maskScalar: await privateScalar(mask.privateKey) };
    }
    return new SecAggClient(parameters, index, keys, random);
  }

  get stage(): Step { return this.step; }

  /** Stage 1: the two public keys, fresh for this round. */
  async advertiseKeys(): Promise<AdvertisedKeys> {
    return this.run('advertise', 'advertise keys', async () => {
      const message = {
        client: this.index,
        encryption_key: toBase64(await publicKeyBytes(this.keys.encryption.publicKey)),
        mask_key: toBase64(await publicKeyBytes(this.keys.mask.publicKey)),
      };
      this.step = 'share-keys';
      return message;
    });
  }

  /**
   * Stage 2: Shamir-shares the mask-key scalar and a fresh self-mask seed among the neighbours (threshold t, x = each
   * neighbour's number) and seals each neighbour's pair of shares for it alone.
   */
  async shareKeys(message: NeighbourKeys): Promise<SharedKeys> {
    return this.run('share-keys', 'share keys', async () => {
      this.addressed(message?.client);
      const list = message.neighbours;
      if (!Array.isArray(list) || list.some(n => n == null)) throw this.refuse('the neighbour list is missing');
      const p = this.parameters;
      if (list.length < p.threshold) throw this.refuse(`${list.length} neighbours cannot hold shares of threshold ${p.threshold}`);
      const encryption = new Map<number, CryptoKey>(), mask = new Map<number, CryptoKey>();
      for (const n of list) {
        if (!Number.isInteger(n.client) || n.client < 1 || n.client > p.clients || n.client === this.index) throw this.refuse(`neighbour ${n.client} is not another client of this round`);
        if (encryption.has(n.client)) throw this.refuse(`neighbour ${n.client} is listed twice`);
        encryption.set(n.client, await importPublic(bytesOf(n.encryption_key)) ?? throwing(this.refuse(`neighbour ${n.client}'s encryption key is not a P-256 point`)));
        mask.set(n.client, await importPublic(bytesOf(n.mask_key)) ?? throwing(this.refuse(`neighbour ${n.client}'s mask key is not a P-256 point`)));
      }
      const holders = [...encryption.keys()].sort((a, b) => a - b);
      const seed = new Uint8Array(SECRET_BYTES);
      this.random(seed);
      const scalarShares = split(this.keys.maskScalar, p.threshold, holders, this.random);
      const seedShares = split(seed, p.threshold, holders, this.random);
      const shares = [];
      for (let h = 0; h < holders.length; h++) {
        const key = await this.kdf.derive(await agree(this.keys.encryption.privateKey, encryption.get(holders[h])!), ShareEncryption);
        const ciphertext = await seal(key, p.round, this.index, holders[h], { scalar: scalarShares[h].y, seed: seedShares[h].y }, this.random);
        shares.push({ sender: this.index, recipient: holders[h], ciphertext: toBase64(ciphertext) });
      }
      const commitment = new Uint8Array(await crypto.subtle.digest('SHA-256', seed));
      this.seed = seed;
      this.neighbourEncryption = encryption;
      this.neighbourMask = mask;
      this.step = 'mask-input';
      return { client: this.index, seed_commitment: toBase64(commitment), shares };
    });
  }

  /**
   * Stage 3: opens the shares the neighbours that shared keys sent, then masks `input` (words below 2^b):
   * y = x + PRG(seed) + Σ_{j > i} PRG(s_ij) − Σ_{j < i} PRG(s_ij) mod 2^b over those neighbours.
   */
  async maskInput(message: AddressedShares, input: Uint32Array): Promise<MaskedInput> {
    return this.run('mask-input', 'mask its input', async () => {
      const p = this.parameters;
      if (input.length !== p.length) throw new RangeError(`the input has ${input.length} words; the round sums ${p.length}`);
      const largest = wordMask(p.bits);
      for (let i = 0; i < input.length; i++) if (input[i] > largest) throw new RangeError(`input word ${i} = ${input[i]} is not below 2^${p.bits}`);
      this.addressed(message?.client);
      const shares = message.shares;
      if (!Array.isArray(shares) || shares.some(s => s == null)) throw this.refuse('the share list is missing');
      const held = new Map<number, HeldShares>();
      for (const s of shares) {
        if (s.recipient !== this.index) throw this.refuse(`a share from ${s.sender} is addressed to ${s.recipient}`);
        const theirs = this.neighbourEncryption!.get(s.sender);
        if (!theirs) throw this.refuse(`client ${s.sender} is not a neighbour`);
        if (held.has(s.sender)) throw this.refuse(`two shares from client ${s.sender}`);
        const key = await this.kdf.derive(await agree(this.keys.encryption.privateKey, theirs), ShareEncryption);
        const opened = await open(key, p.round, s.sender, this.index, bytesOf(s.ciphertext));
        if (!opened) throw this.refuse(`the share from client ${s.sender} does not open (altered, or not sealed for this client and round)`);
        held.set(s.sender, opened);
      }
      // Neighbours whose shares did not come did not share keys: the server leaves them out of every mask too.
      if (held.size < p.threshold) throw this.refuse(`only ${held.size} neighbours shared keys; this client's secrets need ${p.threshold} holders`);
      const words = Uint32Array.from(input);
      const terms: MaskTerm[] = [{ key: await this.kdf.derive(this.seed!, SelfMask), subtract: false }];
      for (const j of [...held.keys()].sort((a, b) => a - b))
        terms.push({ key: await this.kdf.derive(await agree(this.keys.mask.privateKey, this.neighbourMask!.get(j)!), PairwiseMask), subtract: j < this.index });
      await applyMasks(words, terms);
      reduce(words, p.bits);
      this.held = held;
      this.step = 'unmask';
      return { client: this.index, words: toBase64(wordsToBytes(words)) };
    });
  }

  /**
   * Stage 4: for each neighbour that shared keys, the seed share if the server lists it as a survivor or the
   * mask-key share if dropped. Reveals nothing when the request lists a client twice or as both, does not list this
   * client as a survivor, names a neighbour that did not share keys, or has fewer than t survivors.
   */
  async unmask(message: UnmaskRequest): Promise<UnmaskShares> {
    return this.run('unmask', 'reveal shares', async () => {
      this.addressed(message?.client);
      if (!Array.isArray(message.survivors) || !Array.isArray(message.dropped)) throw this.refuse('the survivor or dropped list is missing');
      const survivors = new Set(message.survivors), dropped = new Set(message.dropped);
      if (survivors.size !== message.survivors.length || dropped.size !== message.dropped.length) throw this.refuse('a client is listed twice');
      const both = [...survivors].filter(c => dropped.has(c)).sort((a, b) => a - b);
      if (both.length) throw this.refuse(`the server asks for both shares of client ${both[0]}: revealing both would unmask its input`);
      if (!survivors.has(this.index)) throw this.refuse('the server does not list this client among the survivors, yet it sent its masked input');
      if (survivors.size < this.parameters.threshold) throw this.refuse(`${survivors.size} survivors are fewer than t = ${this.parameters.threshold}: their sum would say too much about each`);
      for (const c of [...survivors, ...dropped])
        if (this.neighbourEncryption!.has(c) && !this.held!.has(c)) throw this.refuse(`neighbour ${c} is listed but did not share keys`);
      const seedShares = [], scalarShares = [];
      for (const owner of [...this.held!.keys()].sort((a, b) => a - b)) {
        const shares = this.held!.get(owner)!;
        if (survivors.has(owner)) seedShares.push({ owner, value: toBase64(encode(shares.seed)) });
        else if (dropped.has(owner)) scalarShares.push({ owner, value: toBase64(encode(shares.scalar)) });
      }
      this.step = 'done';
      return { client: this.index, seed_shares: seedShares, scalar_shares: scalarShares };
    });
  }

  /** Runs one stage if the client is at it; one at a time, so a refusal leaves the state as it was. */
  private async run<T>(step: Step, what: string, body: () => Promise<T>): Promise<T> {
    if (this.busy || this.step !== step) throw this.refuse(`client ${this.index} cannot ${what} now: it is at ${this.busy ? 'another stage' : this.step}`);
    this.busy = true;
    try { return await body(); } finally { this.busy = false; }
  }

  private addressed(client: number | undefined) {
    if (client !== this.index) throw this.refuse(`the payload is for client ${client}, not ${this.index}`);
  }

  private refuse(why: string): SecAggRefusal { return new SecAggRefusal(`client ${this.index}: ${why}`); }
}

function bytesOf(base64: unknown): Bytes | null {
  if (typeof base64 !== 'string') return null;
  try { return fromBase64(base64); } catch { return null; }
}

function throwing(e: Error): never { throw e; }
