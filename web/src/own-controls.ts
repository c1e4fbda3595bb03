// SCAFFOLD under secure aggregation: this tab's own control variates c_i, one per job (as
// src/Tessera.Worker/OwnControlVariates.cs). The coordinator never sees Δc_i, which is masked beside the update, so it
// cannot keep c_i as it does in the clear. After a round, c_i + (bounded) Δc_i waits as pending, and becomes c_i only
// once the committed round is known to have counted this tab (the task's secure_aggregation.counted_url). A round that
// dropped the tab, failed, or was re-run never moves c_i. Kept for the tab's life: a new tab starts from c_i = 0.
import { ArtifactManifest, numel } from './manifest';
import { fromFloat32, writeSafetensors } from './safetensors';

interface Pending { round: number; countedUrl: string; next: Float32Array }

export class OwnControls {
  private readonly committed = new Map<string, Float32Array>();
  private readonly pending = new Map<string, Pending>();

  /** c_i for a task of `round` (zeros if none yet); a pending c_i⁺ of an earlier round is settled first by asking `counted`. */
  async forTask(job: string, round: number, length: number, counted: (url: string) => Promise<{ counted: boolean }>): Promise<Float32Array> {
    const p = this.pending.get(job);
    if (p && p.round < round) {
      // Asked before it is dropped: a network failure leaves it pending for the next task.
      if ((await counted(p.countedUrl)).counted) this.committed.set(job, p.next);
      this.pending.delete(job);
    } else if (p) this.pending.delete(job);   // the same round again: its earlier attempt was not committed
    const ci = this.committed.get(job);
    return ci && ci.length === length ? ci.slice() : new Float32Array(length);
  }

  /** After a secure round this tab unmasked: c_i⁺, kept once the round is known to have counted it. */
  propose(job: string, round: number, countedUrl: string, next: Float32Array): void {
    this.pending.set(job, { round, countedUrl, next });
  }
}

/** A flat vector as a safetensors file shaped like the artifact's weights. */
export function weightsFile(m: ArtifactManifest, flat: Float32Array): Uint8Array {
  let at = 0;
  return writeSafetensors(m.parameters.map(p => {
    const n = numel(p.shape);
    const t = fromFloat32(p.name, p.shape, flat.subarray(at, at + n));
    at += n;
    return t;
  }), {});
}
