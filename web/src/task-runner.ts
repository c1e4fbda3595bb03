// Executes one task the way src/Tessera.Worker/TaskExecutor.cs does, so the browser's update agrees with the
// .NET worker's: global weights in, the task's seed gives the batch order, K steps in calls of at most 50 that end
// on every commit step, and the update is weights-after minus weights-before with its commitment chain
// (src/Tessera.Runtime/TaskTraining.cs; the coordinator replays the same routine to audit it).
import { ArtifactManifest, ControlDeltaPrefix, numel } from './manifest';
import { trainingOrder } from './random';
import { Tensor, fromFloat32, readSafetensors, require, toFloat32, toInt64, writeSafetensors } from './safetensors';
import { BrowserTrainer, defaultHyperparameters } from './trainer';
import { TaskMessage } from './wire';
import { encodeDelta, encodingMetadata } from './update-codec';
import { CommitmentChain, isCommitStep, nextCall } from './commitment';
import { privatize } from './local-privacy';

export const StepsPerCall = 50;

export interface Shard { x: Float32Array; y?: BigInt64Array; t?: Float32Array; count: number; sampleSize: number; labelSize: number }

/** SCAFFOLD: the downloaded c and c_i files (safetensors shaped like the weights). */
export interface ControlVariateFiles { server: Uint8Array; client: Uint8Array }

/** `deltas`: a secure round's update, per tensor in the artifact's order, to be masked (`body` is then empty: nothing goes out in the clear). */
/** `deltas` (and with SCAFFOLD `controlDelta`, flat): a secure round's update, masked by web/src/secagg/ and never encoded here. */
export interface TaskOutcome {
  body: Uint8Array; losses: number[]; samples: number; steps: number; samplesPerSecond: number; meanLoss: number; deltas?: Float32Array[];
  controlDelta?: Float32Array;
}

export function readWeights(bytes: Uint8Array, m: ArtifactManifest): Float32Array[] {
  const file = readSafetensors(bytes);
  return m.parameters.map(p => {
    const t = require(file, p.name);
    if (t.shape.join(',') !== p.shape.join(',')) throw new Error(`weights tensor '${p.name}' has shape [${t.shape}], the artifact expects [${p.shape}]`);
    return toFloat32(t);
  });
}

export function readShard(bytes: Uint8Array): Shard {
  const file = readSafetensors(bytes);
  if (file.metadata['format'] !== 'tessera.shard.v1') throw new Error(`shard: metadata format is '${file.metadata['format']}', expected tessera.shard.v1`);
  const xt = require(file, 'x');
  const count = xt.shape[0];
  const y = file.tensors.get('y'), t = file.tensors.get('t');
  return {
    x: toFloat32(xt), y: y ? toInt64(y) : undefined, t: t ? toFloat32(t) : undefined, count,
    sampleSize: numel(xt.shape.slice(1)), labelSize: t ? numel(t.shape.slice(1)) : 1,
  };
}

export async function sha256Hex(data: BufferSource): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return Array.from(digest, b => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Trains the task. `onCall` runs after each call with the steps done, total and that call's losses; returning
 * false stops the task (the round no longer wants it, or the user paused).
 */
export async function runTask(trainer: BrowserTrainer, task: TaskMessage, workerId: string, weightsFile: Uint8Array, shard: Shard,
  onCall?: (done: number, total: number, losses: Float32Array) => boolean | Promise<boolean>, controls?: ControlVariateFiles): Promise<TaskOutcome | null> {
  const m = trainer.manifest;
  const global = readWeights(weightsFile, m);
  trainer.setParameters(global);
  trainer.resetOptimizerState();
  trainer.setGlobalWeights(global);
  let c: Float32Array[] | undefined, ci: Float32Array[] | undefined;
  if (trainer.usesControlVariates) {
    if (!controls) throw new Error('the artifact trains SCAFFOLD but the task names no control variates');
    c = readWeights(controls.server, m);
    ci = readWeights(controls.client, m);
    trainer.setControlVariates(c, ci);
  }
  const dropoutBase = task.seed & 0x7fffffffn;

  const B = m.batchSize;
  if (shard.sampleSize !== numel(m.sampleShape)) throw new Error(`shard samples have ${shard.sampleSize} values but model '${m.model}' takes ${numel(m.sampleShape)}`);
  const order = trainingOrder(shard.count, B, task.epochs, task.seed);
  const total = Math.min(order.length / B, task.steps);
  const losses: number[] = [];
  const started = performance.now();
  // A verification task commits under the task and worker it re-runs, so an honest re-run reproduces their chain.
  const chain = new CommitmentChain(task.verifies?.task_id ?? task.task_id, task.verifies?.worker_id ?? workerId, task.version);
  const every = task.commit_every ?? 0;
  let done = 0;
  while (done < total) {
    const k = nextCall(done, total, every, StepsPerCall);
    const { x, y } = gather(shard, order.subarray(done * B, (done + k) * B), m);
    const trace = await trainer.train(x, y, k, task.hyperparameters, dropoutBase + BigInt(done));
    losses.push(...trace.losses);
    done += k;
    if (isCommitStep(done, total, every)) await chain.add(done, trainer.getParameters());
    if (onCall && !(await onCall(done, total, trace.losses))) return null;
    // Yield to the event loop between calls: a single-threaded WASM run never does, and heartbeats, pause and
    // progress messages would otherwise wait for the whole task (and the coordinator would think us gone).
    await new Promise(resolve => setTimeout(resolve, 0));
  }
  const seconds = Math.max(1e-6, (performance.now() - started) / 1000);
  const samples = total * B;

  const after = trainer.getParameters();
  const tensors: Tensor[] = [];
  const deltas: Float32Array[] = [];
  m.parameters.forEach((p, i) => {
    const a = after[i], b = global[i], delta = new Float32Array(a.length);
    for (let j = 0; j < a.length; j++) delta[j] = a[j] - b[j];
    // A diverged update would be refused by the coordinator anyway; say why here, where the cause is known.
    if (!delta.every(Number.isFinite)) {
      throw new Error(`training diverged: parameter '${p.name}' holds NaN or infinite values after ${total} steps (is the learning rate too high?)`);
    }
    deltas.push(delta);
  });
  const meanLoss = losses.length ? losses.reduce((a, b) => a + b, 0) / losses.length : NaN;
  // A secure round masks the update itself (web/src/secagg/): it is clipped, quantized and masked there, never encoded here.
  const lr = task.hyperparameters['lr'] ?? defaultHyperparameters['lr'];
  if (task.secure_aggregation) {
    const dc = c && ci ? concat(m.parameters.map((_, i) => controlDelta(ci![i], c![i], deltas[i], total, lr))) : undefined;
    return { body: new Uint8Array(0), losses, samples, steps: total, samplesPerSecond: samples / seconds, meanLoss, deltas, controlDelta: dc };
  }
  // Local DP: clipped and noised here, before the update is encoded or leaves the tab.
  if (task.privacy) privatize(deltas, task.privacy.clip, task.privacy.noise_multiplier);
  m.parameters.forEach((p, i) => tensors.push(...encodeDelta(task.job_id, task.upload, p.name, p.shape, deltas[i])));
  if (c && ci) {
    m.parameters.forEach((p, i) => tensors.push(fromFloat32(ControlDeltaPrefix + p.name, p.shape, controlDelta(ci![i], c![i], deltas[i], total, lr))));
  }
  const samplesPerSecond = samples / seconds;
  const metadata = {
    format: 'tessera.update.v1', task_id: task.task_id, base_version: String(task.version), sample_count: String(samples),
    steps: String(total), loss_trace: JSON.stringify(losses.map(l => Number.isFinite(l) ? l : String(l))) /* "NaN"/"Infinity", as .NET writes them */, commitment: chain.headHex(), checkpoints: JSON.stringify(chain.checkpoints), samples_per_second: String(samplesPerSecond),
    ...encodingMetadata(task.upload),
  };
  return { body: writeSafetensors(tensors, metadata), losses, samples, steps: total, samplesPerSecond, meanLoss };
}

/**
 * SCAFFOLD option II, as src/Tessera.Federation/Strategies/ScaffoldClient.cs computes it:
 * c_i⁺ = c_i − c − Δy/(K·lr), reported as Δc_i = c_i⁺ − c_i, in float32.
 */
function controlDelta(ci: Float32Array, c: Float32Array, dy: Float32Array, steps: number, lr: number): Float32Array {
  const scale = Math.fround(-1 / Math.fround(steps * lr));
  const out = new Float32Array(ci.length);
  for (let j = 0; j < ci.length; j++) {
    const next = Math.fround(Math.fround(ci[j] - c[j]) + Math.fround(dy[j] * scale));
    out[j] = next - ci[j];
  }
  return out;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Lays out the chosen samples as [k, B, ...] features and labels (LocalTraining.Gather). */
function gather(shard: Shard, positions: Int32Array, m: ArtifactManifest): { x: Float32Array | BigInt64Array; y: BigInt64Array | Float32Array } {
  const s = shard.sampleSize, n = positions.length;
  const x = new Float32Array(n * s);
  for (let i = 0; i < n; i++) x.set(shard.x.subarray(positions[i] * s, (positions[i] + 1) * s), i * s);
  const xs = m.inputType === 'Int64' ? BigInt64Array.from(x, v => BigInt(Math.trunc(v))) : x;
  if (m.labelType === 'Int64') {
    if (!shard.y) throw new Error('the artifact takes class labels; the shard has none');
    const l = numel(m.labelShape), y = new BigInt64Array(n * l);
    for (let i = 0; i < n; i++) y.set(shard.y.subarray(positions[i] * l, (positions[i] + 1) * l), i * l);
    return { x: xs, y };
  }
  if (!shard.t) throw new Error('the artifact takes regression targets; the shard has none');
  const l = shard.labelSize, t = new Float32Array(n * l);
  for (let i = 0; i < n; i++) t.set(shard.t.subarray(positions[i] * l, (positions[i] + 1) * l), i * l);
  return { x: xs, y: t };
}
