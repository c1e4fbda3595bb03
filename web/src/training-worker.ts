// The browser worker's loop, in a Web Worker so training never blocks the page: benchmark, join, long-poll,
// fetch (cached), train with onnxruntime-web, upload, heartbeat; pause/resume from the page. Mirrors
// src/Tessera.Worker/WorkerAgent.cs. A tab closed mid-task just goes silent: the coordinator expires the task
// after the worker timeout and invites another worker, so nothing is lost.
import { CoordinatorClient, RefusedError } from './api';
import { cachedBytes } from './blob-cache';
import { LocalDataError, LocalDataset, loadLocal, summarize } from './local-data';
import { ArtifactManifest, numel, readManifest } from './manifest';
import { OwnControls, weightsFile } from './own-controls';
import { FromWorker, ToWorker } from './messages';
import { hasWebGpu, loadOrt } from './ort-loader';
import { measureSamplesPerSecond } from './speed';
import { Shard, readShard, readWeights, runTask, sha256Hex } from './task-runner';
import { gzip } from './update-codec';
import { BrowserTrainer, OrtModule } from './trainer';
import { JobSnapshot, TaskMessage } from './wire';
import { SecureSession } from './secagg/session';

const scope = self as unknown as { postMessage(m: FromWorker, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };
const post = (m: FromWorker, transfer?: Transferable[]) => scope.postMessage(m, transfer);

let client: CoordinatorClient;
let config: Extract<ToWorker, { type: 'start' }>;
let ort: OrtModule;
let provider = 'wasm';
let providers: string[] = ['wasm'];
let speed = 0;
let paused = false;
let resume: (() => void) | null = null;
const trainers = new Map<string, BrowserTrainer>();
const shards = new Map<string, Shard>();
const manifests = new Map<string, ArtifactManifest>();
const localSets = new Map<string, LocalDataset>();
/** SCAFFOLD under secure aggregation: the c_i this tab keeps itself, per job. */
const ownControls = new OwnControls();

scope.onmessage = e => {
  const m = e.data;
  if (m.type === 'start') { config = m; void main().catch(err => post({ type: 'error', message: String(err?.message ?? err) })); }
  else if (m.type === 'pause') { paused = true; post({ type: 'paused', paused: true }); }
  else if (m.type === 'resume') { paused = false; resume?.(); resume = null; post({ type: 'paused', paused: false }); }
};

async function main() {
  client = new CoordinatorClient(config.server);
  const webgpu = await hasWebGpu();
  post({ type: 'status', text: `loading onnxruntime-web (${webgpu ? 'WebGPU + WASM' : 'WASM'})` });
  ort = await loadOrt(webgpu, config.threads);
  const benchmark = await benchmarkProviders(webgpu);
  await retry(join);
  post({ type: 'joined', workerId: workerId!, samplesPerSecond: speed, providers, provider, benchmark });
  let failures = 0;
  for (;;) {
    if (paused) { post({ type: 'status', text: 'paused' }); await new Promise<void>(r => { resume = r; }); }
    try {
      post({ type: 'status', text: 'waiting for a task' });
      const task = await client.nextTask(20);
      if (task) await execute(task);
      failures = 0;
    } catch (err) {
      if (err instanceof RefusedError && err.status === 401) { await retry(join); continue; }
      await backoff(++failures, String((err as Error)?.message ?? err));
    }
  }
}

let workerId: string | undefined;

async function join() {
  const nav = navigator as unknown as { deviceMemory?: number; hardwareConcurrency?: number };
  const joined = await client.join(config.token, config.name, {
    runtime: 'browser', cores: nav.hardwareConcurrency ?? 1, memory_mb: Math.round((nav.deviceMemory ?? 0) * 1024),
    providers, samples_per_second: speed, datasets: config.local ? [{ name: config.local.name, samples: config.local.samples }] : [],
  });
  workerId = joined.worker_id;
}

/** Times a real artifact (the first running job's) on each provider; WebGPU is used only when it is faster. */
async function benchmarkProviders(webgpu: boolean): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  try {
    const jobs = await client.json<JobSnapshot[]>('GET', '/api/v1/jobs');
    const job = jobs.find(j => j.status === 'running') ?? jobs[0];
    if (!job) return result;
    post({ type: 'status', text: 'measuring training speed' });
    const artifact = await artifactBytes({ sha256: job.artifact_sha256, url: `/api/v1/artifacts/${job.artifact_sha256}` });
    const m = manifestOf(job.artifact_sha256, artifact);
    const weights = readWeights((await cachedBytes(`weights:/api/v1/weights/${job.id}/${job.version}`, () => client.bytes(`/api/v1/weights/${job.id}/${job.version}`))).bytes, m);
    for (const p of webgpu ? ['wasm', 'webgpu'] : ['wasm']) {
      try {
        const r = await measureSamplesPerSecond(ort, artifact, m, weights, p);
        result[p] = r.samplesPerSecond;
        trainers.set(`${job.artifact_sha256}:${p}`, r.trainer);
      } catch (err) { post({ type: 'status', text: `${p} unavailable: ${(err as Error).message}` }); }
    }
  } catch (err) { post({ type: 'status', text: `speed benchmark skipped: ${(err as Error).message}` }); }
  providers = Object.keys(result).length ? Object.keys(result) : ['wasm'];
  provider = (result['webgpu'] ?? 0) > (result['wasm'] ?? 0) ? 'webgpu' : 'wasm';
  speed = result[provider] ?? 0;
  return result;
}

async function artifactBytes(ref: { sha256: string; url: string }): Promise<Uint8Array> {
  const { bytes } = await cachedBytes(`artifact:${ref.sha256}`, async () => {
    const b = await client.bytes(ref.url);
    const got = await sha256Hex(b as Uint8Array<ArrayBuffer>);
    if (got !== ref.sha256) throw new Error(`artifact download hashed to ${got}, expected ${ref.sha256}`);
    return b;
  });
  return bytes;
}

function manifestOf(sha: string, bytes: Uint8Array): ArtifactManifest {
  let m = manifests.get(sha);
  if (!m) manifests.set(sha, m = readManifest(bytes));
  return m;
}

async function trainerFor(sha: string, bytes: Uint8Array): Promise<BrowserTrainer> {
  const key = `${sha}:${provider}`;
  let t = trainers.get(key);
  if (!t) trainers.set(key, t = await BrowserTrainer.create(ort, bytes, manifestOf(sha, bytes), provider));
  return t;
}

async function execute(task: TaskMessage) {
  post({ type: 'task', taskId: task.task_id, jobId: task.job_id, round: task.round, steps: task.steps, version: task.version });
  // Heartbeats keep the session live and say when the round no longer wants the task (then `stop` aborts a secure
  // round's long polls). A secure task beats from its key stages to its unmask shares, as it waits on its cohort
  // throughout. A paused tab stays silent instead, so the coordinator reassigns its task after the worker timeout.
  let stepsDone = 0, wanted = true;
  const stop = new AbortController();
  const beat = setInterval(() => {
    if (paused) return;
    client.heartbeat(task.task_id, stepsDone).then(r => { if (!r.continue) { wanted = false; stop.abort(); } }, () => { /* next beat retries */ });
  }, 2000);
  try { await work(task, () => wanted, stop.signal, done => { stepsDone = done; }); }
  finally { clearInterval(beat); }
}

async function work(task: TaskMessage, wanted: () => boolean, stop: AbortSignal, progress: (done: number) => void) {
  let secure: SecureSession | undefined;
  const sa = task.secure_aggregation;
  const stage = (text: string) => post({ type: 'secure', taskId: task.task_id, round: task.round, stage: text });
  if (sa) {
    // The key stages come first: they close after seconds, training after minutes.
    try { secure = await SecureSession.begin(client, sa, stop, stage); }
    catch (err) { return secureFailed(task, err); }
  }
  post({ type: 'status', text: `fetching task ${task.task_id}` });
  const artifact = await retry(() => artifactBytes(task.artifact));
  const trainer = await trainerFor(task.artifact.sha256, artifact);
  const weights = (await retry(() => cachedBytes(`weights:${task.weights_url}`, () => client.bytes(task.weights_url)))).bytes;
  let shard: Shard;
  if (task.data.local !== undefined && task.data.local !== null) {
    const local = await localShard(task, trainer.manifest);
    if (typeof local === 'string') return decline(task, local);
    shard = local;
  } else if (task.data.shard_url) {
    const url = task.data.shard_url;
    let cached = shards.get(url);
    if (!cached) {
      cached = readShard((await retry(() => cachedBytes(`shard:${url}`, () => client.bytes(url)))).bytes);
      if (shards.size > 4) shards.delete(shards.keys().next().value!);
      shards.set(url, cached);
    }
    shard = cached;
  } else return decline(task, 'task names neither a shard nor a local data set');

  // SCAFFOLD: c is immutable per version (cached like weights); c_i is this worker's and changes with every round.
  // Under secure aggregation the tab keeps c_i itself (own-controls.ts): the coordinator never sees Δc_i.
  const serverControl = async () => (await retry(() => cachedBytes(`control:${task.server_control_url}`, () => client.bytes(task.server_control_url!)))).bytes;
  let ownControl: Float32Array | undefined;
  let controls;
  if (task.server_control_url && task.client_control_url) controls = { server: await serverControl(), client: await retry(() => client.bytes(task.client_control_url!)) };
  else if (task.server_control_url && sa?.counted_url) {
    const length = trainer.manifest.parameters.reduce((n, p) => n + numel(p.shape), 0);
    ownControl = await retry(() => ownControls.forTask(task.job_id, task.round, length, url => client.json<{ counted: boolean }>('GET', url)));
    controls = { server: await serverControl(), client: weightsFile(trainer.manifest, ownControl) };
  }

  let outcome;
  try {
    post({ type: 'status', text: `training round ${task.round} (${task.steps} steps)` });
    outcome = await runTask(trainer, task, workerId!, weights, shard, (done, total, losses) => {
      progress(done);
      post({ type: 'progress', taskId: task.task_id, done, total, losses: Array.from(losses) });
      return wanted() && !paused;
    }, controls);
  } catch (err) {
    // Training or encoding failed here (diverged values, an unknown upload codec): retrying would fail the same way.
    const message = String((err as Error)?.message ?? err);
    return decline(task, message.startsWith('training diverged') ? message : `training failed: ${message}`);
  }
  if (!outcome) {
    post({ type: 'dropped', taskId: task.task_id, reason: paused ? 'paused' : 'the round closed without this task' });
    return;
  }
  if (secure) {
    // Masking and unmasking wait on the rest of the cohort; the heartbeats keep going meanwhile. Nothing goes to result_url.
    try {
      const counted = await secure.finish(outcome.deltas!, outcome.samples, outcome.steps, outcome.meanLoss, outcome.samplesPerSecond, stop, stage, outcome.controlDelta);
      if (counted && ownControl && sa?.counted_url) {
        for (let i = 0; i < ownControl.length; i++) ownControl[i] += counted[i];
        ownControls.propose(task.job_id, task.round, sa.counted_url, ownControl);
      }
    } catch (err) { return secureFailed(task, err); }
    speed = outcome.samplesPerSecond;
    post({ type: 'secure-done', taskId: task.task_id, jobId: task.job_id, round: task.round, samplesPerSecond: outcome.samplesPerSecond });
    return;
  }
  try {
    const gzipped = task.upload?.compression === 'gzip';
    const wire = gzipped ? await gzip(outcome.body) : outcome.body;
    post({ type: 'status', text: `uploading ${wire.byteLength} bytes` });
    const response = await retry(() => client.upload(task.result_url, wire, gzipped));
    speed = outcome.samplesPerSecond;
    post({
      type: 'uploaded', taskId: task.task_id, jobId: task.job_id, round: task.round, meanLoss: outcome.meanLoss,
      samplesPerSecond: outcome.samplesPerSecond, bytes: wire.byteLength, response, body: outcome.body,
      task: JSON.stringify(task, (_, v) => typeof v === 'bigint' ? v.toString() : v),
    }, [outcome.body.buffer as ArrayBuffer]);
  } catch (err) {
    // 422: the update did not pass its audit (left out, or the worker is banned): shown, and the tab goes on.
    if (err instanceof RefusedError && (err.status === 409 || err.status === 404 || err.status === 422)) post({ type: 'dropped', taskId: task.task_id, reason: err.message });
    else if (err instanceof RefusedError && (err.status === 400 || err.status === 413)) await decline(task, `the coordinator refused the update: ${err.message}`);
    else throw err;
  }
}

/**
 * A secure round's stage failed (refused, the round re-run or closed, this tab's client refusing a payload, the
 * connection lost mid-stage): a stage cannot be sent twice, so the task is dropped and the tab asks for new work.
 */
function secureFailed(task: TaskMessage, err: unknown) {
  const why = aborted(err) ? 'the round closed without this task' : String((err as Error)?.message ?? err);
  post({ type: 'dropped', taskId: task.task_id, reason: `secure round: ${why}` });
}

function aborted(err: unknown): boolean { return (err as Error)?.name === 'AbortError'; }

/** The picked data set read as the task's format says (cached per format and model input); a string says why it cannot be. */
async function localShard(task: TaskMessage, m: ArtifactManifest): Promise<Shard | string> {
  const local = config.local;
  if (!local || local.name !== task.data.local) return `task wants local data set '${task.data.local}' which this tab does not have`;
  const key = JSON.stringify([task.data.format ?? null, m.sampleShape, m.labelType]);
  let set = localSets.get(key);
  if (!set) {
    try { set = await loadLocal(local.data, task.data.format, m); }
    catch (err) {
      if (!(err instanceof LocalDataError)) throw err;
      post({ type: 'local-error', message: err.message });
      return `local data set '${local.name}': ${err.message}`;
    }
    localSets.clear(); // one format at a time: a tab holds one data set, and jobs rarely read it two ways
    localSets.set(key, set);
    const classes = set.classes ? `, ${set.classes.length} classes (${summarize(set.classes)})` : ', float targets';
    post({ type: 'local-data', summary: `${local.data.name}: ${set.shard.count} ${local.data.kind === 'csv' ? 'rows' : 'images'} of [${set.shape.join(', ')}]${classes}` });
  }
  return set.shard;
}

/** Tells the coordinator this worker cannot do the task (a refusal — the round closed meanwhile — is only shown). */
async function decline(task: TaskMessage, reason: string) {
  try { await retry(() => client.decline(task.task_id, reason)); }
  catch (err) { reason += ` (the coordinator answered: ${String((err as Error)?.message ?? err)})`; }
  post({ type: 'dropped', taskId: task.task_id, reason: `declined: ${reason}` });
}

async function retry<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try { return await call(); }
    catch (err) {
      if (err instanceof RefusedError) throw err;
      await backoff(attempt, String((err as Error)?.message ?? err));
    }
  }
}

async function backoff(attempt: number, why: string) {
  const seconds = Math.min(30, 0.25 * 2 ** Math.min(attempt, 10)) * (0.5 + Math.random() / 2); // jitter spreads a reconnecting crowd
  post({ type: 'status', text: `${why}; retrying in ${seconds.toFixed(1)} s` });
  await new Promise(r => setTimeout(r, seconds * 1000));
}
