// The /worker page: paste a token (or open a join link ?token=...&server=...&dataset=...), optionally pick local
// files to train on (they stay in this browser), then watch this tab train.
// All work happens in a Web Worker; this page only renders what it reports. `window.tessera` exposes the
// same figures to automation (the browser tests read them).
import { drawChart } from './chart';
import { DataFormat, LocalDataError, ModelInput, PickedData, countSamples, loadLocal, picked, preview } from './local-data';
import { FromWorker, ToWorker } from './messages';
import { FateRow, LedgerTotal } from './wire';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const state = {
  workerId: '', status: 'idle', job: '', round: 0, samplesPerSecond: 0, tasksDone: 0, dropped: 0, lastDropped: '', credits: 0, pendingCredits: 0, revokedCredits: 0, fate: '',
  provider: '', benchmark: {} as Record<string, number>, losses: [] as number[], errors: [] as string[],
  uploads: [] as { taskId: string; round: number; accepted: boolean; task: string; body: string }[], paused: false,
  /** Secure rounds (privacy.secure_aggregation): the current stage, and how many such tasks finished (none uploaded in the clear). */
  secure: { stage: '', round: 0, tasks: 0 },
  /** The picked local data set: what it is, or the one line saying why it cannot be used. */
  local: { name: '', file: '', samples: 0, summary: '', error: '' },
};
let pickedData: PickedData | null = null;
(window as unknown as { tessera: typeof state }).tessera = state;
// For automation: the picked files read as a task with this format would read them (the tests compare it with the .NET loaders).
(window as unknown as { tesseraLocalData: unknown }).tesseraLocalData = {
  async read(format: DataFormat, model: ModelInput) {
    if (!pickedData) return { error: 'nothing picked' };
    try {
      const set = await loadLocal(pickedData, format, model);
      const s = set.shard;
      return { count: s.count, shape: set.shape, classes: set.classes, x: Array.from(s.x), y: s.y ? Array.from(s.y, Number) : null, t: s.t ? Array.from(s.t) : null };
    } catch (err) { return { error: String((err as Error)?.message ?? err) }; }
  },
};

let worker: Worker | null = null;
const server = params.get('server') ?? location.origin;
$<HTMLInputElement>('token').value = params.get('token') ?? localStorage.getItem('tessera.token') ?? '';
$<HTMLInputElement>('name').value = params.get('name') ?? localStorage.getItem('tessera.name') ?? '';
$('server').textContent = server;
$<HTMLInputElement>('dataset').value = params.get('dataset') ?? '';
$('csv').addEventListener('change', () => void pick('csv', $<HTMLInputElement>('csv')));
$('images').addEventListener('change', () => void pick('images', $<HTMLInputElement>('images')));

$('join').addEventListener('click', start);
$('pause').addEventListener('click', () => {
  send(state.paused ? { type: 'resume' } : { type: 'pause' });
});
// A link naming a data set waits for its files to be picked; joining first would report none.
if (params.get('token') && params.get('autostart') !== '0' && !params.get('dataset')) start();

function send(m: ToWorker) { worker?.postMessage(m); }

function start() {
  const token = $<HTMLInputElement>('token').value.trim();
  const name = $<HTMLInputElement>('name').value.trim() || undefined;
  if (!token) { setStatus('paste a join token first'); return; }
  const dataset = $<HTMLInputElement>('dataset').value.trim();
  if (pickedData && !dataset) { setStatus('name the data set you picked (the name the job uses)'); return; }
  localStorage.setItem('tessera.token', token);
  if (name) localStorage.setItem('tessera.name', name);
  $<HTMLButtonElement>('join').disabled = true;
  $<HTMLButtonElement>('pause').disabled = false;
  worker = new Worker('/assets/training-worker.js', { type: 'module' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = e => { state.errors.push(e.message); setStatus(`error: ${e.message}`); };
  showLocal();
  // ORT's WASM threads: leave a core to the page and the browser (on 2 cores one thread measured 2.8x faster than two).
  const threads = Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1));
  state.local.name = pickedData ? dataset : '';
  const local = pickedData ? { name: dataset, samples: state.local.samples, data: pickedData } : undefined;
  send({ type: 'start', server, token, name, threads, local });
}

/** Reads the picked files once to show what they hold; a file no job could read is refused with its reason. */
async function pick(kind: 'csv' | 'images', input: HTMLInputElement) {
  (kind === 'csv' ? $<HTMLInputElement>('images') : $<HTMLInputElement>('csv')).value = '';
  pickedData = null;
  state.local = { ...state.local, file: '', samples: 0, summary: '', error: '' };
  try {
    const data = picked(kind, input.files ?? []);
    state.local.file = data.name;
    state.local.summary = await preview(data);
    state.local.samples = await countSamples(data);
    pickedData = data;
  } catch (err) {
    state.local.error = err instanceof LocalDataError ? err.message : `${input.files?.[0]?.name ?? 'file'}: cannot be read (${String((err as Error)?.message ?? err)})`;
  }
  showLocal();
}

function showLocal() {
  const info = $('local-info');
  info.textContent = state.local.error || state.local.summary || 'nothing (this tab trains on data the coordinator sends)';
  info.className = state.local.error ? 'error' : '';
  $<HTMLInputElement>('csv').disabled = $<HTMLInputElement>('images').disabled = $<HTMLInputElement>('dataset').disabled = worker !== null;
}

function onMessage(m: FromWorker) {
  switch (m.type) {
    case 'status': setStatus(m.text); break;
    case 'joined':
      state.workerId = m.workerId; state.samplesPerSecond = m.samplesPerSecond; state.provider = m.provider; state.benchmark = m.benchmark;
      $('worker-id').textContent = m.workerId;
      $('provider').textContent = `${m.provider} (${Object.entries(m.benchmark).map(([p, s]) => `${p} ${s.toFixed(0)}/s`).join(', ') || 'not measured'})`;
      break;
    case 'task': state.job = m.jobId; state.round = m.round; if (state.tasksDone > 0) void refreshCredits(m.jobId); break;
    case 'progress': state.losses.push(...m.losses); if (state.losses.length > 5000) state.losses.splice(0, state.losses.length - 5000); break;
    case 'uploaded':
      state.samplesPerSecond = m.samplesPerSecond;
      if (m.response.accepted) state.tasksDone++;
      state.uploads.push({ taskId: m.taskId, round: m.round, accepted: m.response.accepted, task: m.task, body: base64(m.body) });
      if (state.uploads.length > 3) state.uploads.shift(); // keeps memory flat; tests read the latest ones
      void refreshCredits(m.jobId);
      break;
    case 'secure':
      state.secure.stage = m.stage; state.secure.round = m.round;
      setStatus(`secure round ${m.round}: ${m.stage}`);
      break;
    case 'secure-done':
      state.samplesPerSecond = m.samplesPerSecond;
      state.tasksDone++; state.secure.tasks++;
      setStatus(`secure round ${m.round}: masked update summed`);
      void refreshCredits(m.jobId);
      break;
    case 'dropped': state.dropped++; state.lastDropped = m.reason; setStatus(`task dropped: ${m.reason}`); break;
    case 'paused': state.paused = m.paused; $('pause').textContent = m.paused ? 'Resume' : 'Pause'; break;
    case 'error': state.errors.push(m.message); setStatus(`error: ${m.message}`); break;
    case 'local-data': state.local.summary = m.summary; state.local.error = ''; showLocal(); break;
    case 'local-error': state.local.error = m.message; showLocal(); break;
  }
  render();
}

async function refreshCredits(job: string) {
  try {
    const rows = (await (await fetch(`/api/v1/ledger?job=${encodeURIComponent(job)}`)).json()) as LedgerTotal[];
    const mine = rows.find(r => r.worker_id === state.workerId);
    if (mine) { state.credits = mine.granted; state.pendingCredits = mine.pending + (mine.held ?? 0); state.revokedCredits = mine.revoked; }
    // What the job's robust aggregator did with this worker's latest counted update (none for a plain mean).
    const fates = (await (await fetch(`/api/v1/jobs/${encodeURIComponent(job)}/fates?worker=${encodeURIComponent(state.workerId)}`)).json()) as FateRow[];
    state.fate = fates.length ? fateText(fates[0]) : '';
    render();
  } catch { /* credits refresh on the next upload */ }
}

function fateText(f: FateRow): string {
  if (f.excluded) return `round ${f.round}: left out${f.why ? ` (${f.why})` : ''}`;
  return `round ${f.round}: ${(100 * f.share).toFixed(1)}% of the aggregate` + (f.scale < 1 ? `, clipped ×${f.scale.toFixed(2)}` : '');
}

function setStatus(text: string) { state.status = text; $('status').textContent = text; }

let pending = false;
function render() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    $('job').textContent = state.job || '–';
    $('round').textContent = state.round ? String(state.round) : '–';
    $('sps').textContent = state.samplesPerSecond ? state.samplesPerSecond.toFixed(0) : '–';
    $('tasks').textContent = String(state.tasksDone);
    $('credits').textContent = state.credits.toFixed(2);
    $('credits-pending').textContent = state.pendingCredits.toFixed(2);
    $('credits-revoked').textContent = state.revokedCredits.toFixed(2);
    $('fate').textContent = state.fate || '–';
    drawChart($<HTMLCanvasElement>('loss'), [{ label: 'loss', color: '#2a6fdb', points: state.losses.map((l, i) => [i + 1, l]) }], { title: 'training loss per step' });
  });
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
render();
// Credits land in the ledger when a round closes, after the upload: look again now and then.
setInterval(() => { if (state.job && state.tasksDone > 0) void refreshCredits(state.job); }, 5000);
