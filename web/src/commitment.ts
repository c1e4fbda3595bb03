// The commitment chain, byte for byte as src/Tessera.Protocol/Wire/CommitmentChain.cs builds it: the sha256 of the
// weights (F32 little-endian, parameter order) every `commit_every` steps and after the last, chained as
// head_j = sha256(head_{j-1} | u32le(step_j) | leaf_j) from a genesis bound to the task, the worker and the base version.

async function sha256(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data));
}

export const hex = (bytes: Uint8Array): string => Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');

export class CommitmentChain {
  private head: Uint8Array<ArrayBuffer> | undefined;
  readonly checkpoints: [number, string][] = [];

  constructor(private readonly taskId: string, private readonly workerId: string, private readonly baseVersion: number | bigint) {}

  /** Commits the weights held after `step` steps. */
  async add(step: number, weights: Float32Array[]): Promise<void> {
    if (!this.head) this.head = await sha256(new TextEncoder().encode(`tessera.commit.v1\n${this.taskId}\n${this.workerId}\n${this.baseVersion}`));
    const bytes = new Uint8Array(weights.reduce((n, w) => n + w.byteLength, 0));
    let at = 0;
    for (const w of weights) { bytes.set(new Uint8Array(w.buffer, w.byteOffset, w.byteLength), at); at += w.byteLength; }
    const leaf = await sha256(bytes);
    const link = new Uint8Array(32 + 4 + 32);
    link.set(this.head, 0);
    new DataView(link.buffer).setUint32(32, step, true);
    link.set(leaf, 36);
    this.head = await sha256(link);
    this.checkpoints.push([step, hex(leaf)]);
  }

  headHex(): string { return this.head ? hex(this.head) : ''; }
}

/** Whether the weights are committed after `done` of `steps` steps. */
export const isCommitStep = (done: number, steps: number, every: number): boolean => done === steps || (every > 0 && done % every === 0);

/** Steps in the next training call: up to the next commit step, at most `maxCall` (CommitmentChain.NextCall). */
export function nextCall(done: number, steps: number, every: number, maxCall: number): number {
  const left = steps - done;
  const toCommit = every > 0 ? every - (done % every) : left;
  return Math.max(1, Math.min(left, maxCall, toCommit));
}
