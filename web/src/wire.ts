// The control protocol's JSON messages (src/Tessera.Protocol/Wire/Messages.cs), snake_case as WireJson writes them.
import type { DataFormat } from './local-data';
import type { SecureAggregationTask } from './secagg/messages';

export interface WorkerCapabilities {
  runtime: 'browser';
  cores: number;
  memory_mb: number;
  providers: string[];
  samples_per_second: number;
  datasets: { name: string; samples: number }[];
}

export interface JoinResponse { worker_id: string; session_token: string; heartbeat_seconds: number }

export interface TaskMessage {
  task_id: string;
  job_id: string;
  round: number;
  version: number;
  model: string;
  artifact: { sha256: string; url: string };
  weights_url: string;
  /** `format`: how to read the local data set (the job spec's data.format); absent for shards. */
  data: { shard_url?: string; shard?: number; local?: string; samples: number; format?: DataFormat | null };
  hyperparameters: Record<string, number>;
  /** A ulong: read from the raw JSON text as a BigInt, since a JS number would round it. */
  seed: bigint;
  steps: number;
  /** Commit to the weights every this many steps and after the last; calls end on these steps (0: only the last). */
  commit_every?: number;
  batch_size: number;
  epochs: number;
  deadline: string;
  result_url: string;
  /** How to encode the update; absent means dense F32. */
  upload?: UploadEncoding | null;
  /** SCAFFOLD: the server control variate c of this version. */
  server_control_url?: string;
  /** SCAFFOLD: this worker's control variate c_i (needs the session). */
  client_control_url?: string;
  /** A verification task: re-run this task of that worker exactly, committing under their ids. */
  verifies?: { task_id: string; worker_id: string } | null;
  /** Local DP: clip the whole update to `clip` and add N(0, (noise_multiplier·clip)²) before it leaves (LocalPrivacyTask). */
  privacy?: { clip: number; noise_multiplier: number } | null;
  /**
   * A secure round (privacy.secure_aggregation): keys and shares go to its stage_url before training, the masked
   * update after it, never to result_url (docs/PRIVACY.md, "Over the task protocol"; web/src/secagg/).
   */
  secure_aggregation?: SecureAggregationTask | null;
}

/** src/Tessera.Protocol/Wire/UploadEncoding.cs */
export interface UploadEncoding { codec: 'f32' | 'fp16' | 'bf16' | 'int8' | 'topk'; block_size: number; fraction: number; bits?: number; compression?: 'gzip' | null }

export interface ResultResponse { accepted: boolean; task_id: string; round: number; updates_in_round: number }

export interface JobSnapshot {
  id: string; name: string; status: string; model: string; strategy: string; version: number; rounds: number;
  round?: number; phase?: string; round_updates: number; round_target: number; round_tasks: number; live_workers: number;
  last_accuracy?: number; error?: string; artifact_sha256: string; last_declined?: string; stopped_early?: string;
  /** The estimate made when the job was created; the actual_ fields once it ended. */
  estimate?: JobEstimateView;
  /** privacy.dp: the ε(δ) spent by the rounds released so far (src/Tessera.Coordinator/Jobs/PrivacyView.cs). */
  privacy?: PrivacyView | null;
  /** The robust rule combining its rounds (strategy.aggregator, or the default for data on the workers); absent for the plain mean. */
  aggregator?: string | null;
}

export interface PrivacyView {
  mode: string; secure_aggregation: boolean; noise_multiplier: number; epsilon: number; delta: number;
  target_epsilon?: number | null; clip: number; max_rounds: number;
}

export interface JobEstimateView {
  training_flops: number; evaluation_flops: number; verification_flops: number; credits: number;
  eta_p50_seconds?: number; eta_p90_seconds?: number; workers: number; stalled?: string; made: string;
  actual_seconds?: number; actual_training_flops?: number; actual_credits?: number;
}

export interface RoundRow {
  job_id: string; round: number; updates: number; samples: number; train_loss?: number; test_loss?: number;
  test_accuracy?: number; aggregation_ms?: number; duration_seconds?: number; closed?: string;
  /** Federated evaluation of the model the round started from, on workers' held-out data. */
  fed_loss?: number; fed_accuracy?: number; fed_samples?: number;
  /** Robust aggregation: updates the rule left out of the round's aggregate, and updates it scaled down. */
  excluded?: number; clipped?: number;
  /** JSON object of further metrics: auc, f1, mse, mae, perplexity (coordinator-side) and fed_-prefixed federated ones. */
  metrics?: string;
}

/** Credit (GFLOP of assigned training) by status; `credits` is what is granted. */
export interface LedgerTotal { worker_id: string; name: string; updates: number; samples: number; credits: number; granted: number; pending: number; revoked: number; unverifiable: number; held: number }

/** Parses a task, keeping the 64-bit seed exact. */
export function parseTask(text: string): TaskMessage {
  const task = JSON.parse(text) as TaskMessage;
  const m = /"seed"\s*:\s*(\d+)/.exec(text);
  if (!m) throw new Error('task has no seed');
  task.seed = BigInt(m[1]);
  return task;
}

/** What a round's robust aggregator did to one worker's update (GET /api/v1/jobs/{id}/fates). */
export interface FateRow { job_id: string; round: number; worker_id: string; share: number; scale: number; excluded: boolean; why?: string }
