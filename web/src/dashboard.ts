// The dashboard at /: jobs with status and progress, per-round test accuracy and loss, workers by kind with
// speed, bytes in/out, top contributors. Live through each job's server-sent events; job control (create,
// pause, resume, cancel) with the admin key typed into the page (kept in this tab's sessionStorage only).
import { Series, drawChart } from './chart';
import { JobEstimateView, JobSnapshot, LedgerTotal, RoundRow } from './wire';

// samples_per_second is what routing uses (the coordinator's measurement once a task came back); inflated_claims counts
// workers claiming over twice what they were measured at.
interface Overview { workers: { runtime: string; live: number; polling: number; samples_per_second: number; claimed_samples_per_second: number; inflated_claims: number }[]; bytes_in: number; bytes_out: number; updates_accepted: number; updates_rejected: number }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const jobs = new Map<string, JobSnapshot>();
const metrics = new Map<string, RoundRow[]>();
const streams = new Map<string, EventSource>();
const view = { jobs: [] as JobSnapshot[], overview: null as Overview | null, ledger: [] as LedgerTotal[] };
(window as unknown as { tesseraDashboard: typeof view }).tesseraDashboard = view;

$<HTMLInputElement>('admin-key').value = sessionStorage.getItem('tessera.admin') ?? '';
$('admin-key').addEventListener('change', () => sessionStorage.setItem('tessera.admin', $<HTMLInputElement>('admin-key').value));
$('create').addEventListener('click', () => void createJob());

async function get<T>(url: string): Promise<T> {
  const r = await fetch(url, { cache: 'no-store' });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return (await r.json()) as T;
}

async function admin(method: string, url: string, body?: string): Promise<Response> {
  const r = await fetch(url, { method, body, headers: { 'X-Api-Key': $<HTMLInputElement>('admin-key').value, 'Content-Type': 'application/yaml' } });
  if (!r.ok) {
    let msg = r.statusText;
    try { msg = ((await r.json()) as { error: string }).error; } catch { /* plain */ }
    $('message').textContent = `${r.status}: ${msg}`;
  } else $('message').textContent = '';
  return r;
}

async function createJob() {
  const r = await admin('POST', '/api/v1/jobs', $<HTMLTextAreaElement>('spec').value);
  if (r.ok) {
    const created = (await r.json()) as { id: string; join_token: string };
    $('message').innerHTML = '';
    const link = document.createElement('a');
    link.href = `/worker?token=${encodeURIComponent(created.join_token)}`;
    link.textContent = `job ${created.id} created — join link for workers`;
    $('message').append(link);
    await refresh();
  }
}

async function refresh() {
  try {
    const list = await get<JobSnapshot[]>('/api/v1/jobs');
    for (const j of list) { jobs.set(j.id, j); watch(j); }
    await Promise.all(list.map(async j => metrics.set(j.id, await get<RoundRow[]>(`/api/v1/jobs/${j.id}/metrics`))));
  } catch (e) { $('message').textContent = String((e as Error).message); }
  await refreshTotals();
  render();
}

// Each panel refreshes on its own: one failing endpoint must not blank the others.
async function refreshTotals() {
  view.overview = await get<Overview>('/api/v1/overview').catch(() => view.overview);
  view.ledger = await get<LedgerTotal[]>('/api/v1/ledger').catch(() => view.ledger);
}

function watch(j: JobSnapshot) {
  if (streams.has(j.id) || ['completed', 'cancelled', 'failed'].includes(j.status)) return;
  const es = new EventSource(`/api/v1/jobs/${j.id}/events`);
  es.addEventListener('status', ev => {
    const snap = JSON.parse((ev as MessageEvent<string>).data) as JobSnapshot;
    const before = jobs.get(snap.id);
    jobs.set(snap.id, snap);
    if (!before || before.version !== snap.version || before.status !== snap.status) {
      // A closed round moved metrics, the ledger and traffic: fetch them now rather than at the next tick.
      void get<RoundRow[]>(`/api/v1/jobs/${snap.id}/metrics`).then(m => { metrics.set(snap.id, m); render(); });
      void refreshTotals().then(render);
    }
    if (['completed', 'cancelled', 'failed'].includes(snap.status)) { es.close(); streams.delete(snap.id); }
    render();
  });
  streams.set(j.id, es);
}

function render() {
  view.jobs = [...jobs.values()].sort((a, b) => a.id.localeCompare(b.id));
  const container = $('jobs');
  const ids = new Set(view.jobs.map(j => j.id));
  for (const el of [...container.children]) if (!ids.has((el as HTMLElement).dataset.job!)) el.remove();
  for (const j of view.jobs) {
    let card = container.querySelector<HTMLElement>(`[data-job="${j.id}"]`);
    if (!card) {
      card = document.createElement('section');
      card.className = 'card';
      card.dataset.job = j.id;
      card.innerHTML = `<h3></h3><div class="progress"><div></div></div><p class="facts"></p><p class="estimate"></p>
        <div class="buttons"><button data-verb="pause">Pause</button><button data-verb="resume">Resume</button><button data-verb="cancel">Cancel</button></div>
        <div class="charts"><canvas class="acc"></canvas><canvas class="loss"></canvas><canvas class="more" hidden></canvas><canvas class="privacy" hidden></canvas></div>`;
      card.querySelectorAll<HTMLButtonElement>('button').forEach(b => b.addEventListener('click', async () => {
        await admin('POST', `/api/v1/jobs/${j.id}/${b.dataset.verb}`);
        await refresh();
      }));
      container.append(card);
    }
    const terminal = ['completed', 'cancelled', 'failed'].includes(j.status);
    card.querySelectorAll<HTMLButtonElement>('button').forEach(b => {
      b.disabled = terminal || (b.dataset.verb === 'pause' && j.status !== 'running') || (b.dataset.verb === 'resume' && j.status !== 'paused');
    });
    card.querySelector('h3')!.textContent = `${j.name} (${j.id}) — ${j.status}`;
    (card.querySelector('.progress > div') as HTMLElement).style.width = `${(100 * j.version / Math.max(1, j.rounds)).toFixed(1)}%`;
    card.querySelector('.facts')!.textContent = `model ${j.model}, ${j.strategy}${j.aggregator ? ` + ${j.aggregator}` : ''}; round ${j.version}/${j.rounds}` +
      (j.round ? ` — round ${j.round} ${j.phase}: ${j.round_updates}/${j.round_target} updates` : j.phase ? ` — ${j.phase.replaceAll('_', ' ')}` : '') +
      `; ${j.live_workers} live workers; test accuracy ${j.last_accuracy != null ? (100 * j.last_accuracy).toFixed(2) + '%' : '–'}` +
      (j.last_declined && j.status === 'running' ? `; last task declined — ${j.last_declined}` : '') +
      (j.error ? ` — ${j.error}` : '') +
      (j.stopped_early ? ` — stopped early: ${j.stopped_early}` : '') + privacyText(j);
    const rows = metrics.get(j.id) ?? [];
    card.querySelector('.estimate')!.textContent = (j.estimate ? estimateText(j.estimate, terminal) : '') + robustText(rows);
    const accuracy: Series[] = [{ label: 'test accuracy', color: '#1b9e4b', points: rows.filter(r => r.test_accuracy != null).map(r => [r.round, r.test_accuracy!]) }];
    // Federated evaluation scores the model a round started from, so it is drawn at the round that model came from.
    const fed = rows.filter(r => r.fed_accuracy != null);
    if (fed.length) accuracy.push({ label: 'federated (workers\' held-out data)', color: '#7b3fbf', points: fed.map(r => [r.round - 1, r.fed_accuracy!]) });
    drawChart(card.querySelector<HTMLCanvasElement>('.acc')!, accuracy, { title: 'accuracy per round' });
    const loss: Series[] = [
      { label: 'train', color: '#2a6fdb', points: rows.filter(r => r.train_loss != null).map(r => [r.round, r.train_loss!]) },
      { label: 'test', color: '#d9480f', points: rows.filter(r => r.test_loss != null).map(r => [r.round, r.test_loss!]) },
    ];
    const fedLoss = rows.filter(r => r.fed_loss != null);
    if (fedLoss.length) loss.push({ label: 'federated', color: '#7b3fbf', points: fedLoss.map(r => [r.round - 1, r.fed_loss!]) });
    drawChart(card.querySelector<HTMLCanvasElement>('.loss')!, loss, { title: 'loss per round' });
    drawMore(card.querySelector<HTMLCanvasElement>('.more')!, rows);
    drawPrivacy(card.querySelector<HTMLCanvasElement>('.privacy')!, rows, j.privacy?.target_epsilon ?? null);
  }
  const o = view.overview;
  if (o) {
    $('workers').innerHTML = o.workers.length
      ? o.workers.map(w => `<tr><td>${esc(w.runtime)}</td><td>${w.live}</td><td>${w.polling}</td><td>${w.samples_per_second.toFixed(0)}</td>` +
          `<td>${w.claimed_samples_per_second.toFixed(0)}</td><td${w.inflated_claims ? ' class="warn"' : ''}>${w.inflated_claims}</td></tr>`).join('')
      : '<tr><td colspan="6">no workers yet</td></tr>';
    $('traffic').textContent = `in ${mb(o.bytes_in)}, out ${mb(o.bytes_out)}; updates accepted ${o.updates_accepted}, rejected ${o.updates_rejected}`;
  }
  $('ledger').innerHTML = view.ledger.slice(0, 10).map(l => `<tr${l.revoked > 0 ? ' class="revoked"' : ''}><td>${esc(l.name)}</td><td>${l.updates}</td><td>${l.samples}</td><td>${l.granted.toFixed(2)}</td><td>${l.pending.toFixed(2)}${l.held > 0 ? ` <small title="held after an inconclusive audit until a later audit passes">+${l.held.toFixed(2)} held</small>` : ''}</td><td>${l.revoked.toFixed(2)}</td><td>${l.unverifiable.toFixed(2)}</td></tr>`).join('')
    || '<tr><td colspan="4">no accepted work yet</td></tr>';
}

/** The estimate made at creation next to progress; once the job ended, what it actually took beside it. */
function estimateText(e: JobEstimateView, ended: boolean): string {
  const eta = e.eta_p50_seconds != null ? `ETA p50 ${duration(e.eta_p50_seconds)}, p90 ${duration(e.eta_p90_seconds!)} on ${e.workers} workers` : `no ETA (${e.stalled ?? 'no pool'})`;
  const elapsed = (Date.now() - Date.parse(e.made)) / 1000;
  let text = `estimate: ${gflop(e.training_flops)} training + ${gflop(e.evaluation_flops)} evaluation + ${gflop(e.verification_flops)} verification, ` +
    `${e.credits.toFixed(2)} credits; ${eta}`;
  if (ended && e.actual_seconds != null)
    text += ` — actual: ${duration(e.actual_seconds)}, ${gflop(e.actual_training_flops ?? 0)} training, ${(e.actual_credits ?? 0).toFixed(2)} credits`;
  else if (!ended) text += `; running for ${duration(elapsed)}`;
  return text;
}

const gflop = (f: number) => `${(f / 1e9).toFixed(1)} GFLOP`;
const duration = (s: number) => s < 60 ? `${s.toFixed(0)} s` : s < 3600 ? `${Math.floor(s / 60)}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`
  : `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;

const palette = ['#e67700', '#0b7285', '#c2255c', '#5c940d', '#364fc7', '#862e9c'];

/** AUC, F1, MSE, MAE or perplexity per round, when the job's model reports any (hidden otherwise). */
function drawMore(canvas: HTMLCanvasElement, rows: RoundRow[]): void {
  const byName = new Map<string, [number, number][]>();
  for (const r of rows) {
    if (!r.metrics) continue;
    for (const [name, value] of Object.entries(JSON.parse(r.metrics) as Record<string, number>)) {
      if (privacyMetrics.includes(name)) continue;   // drawn on their own chart
      const round = name.startsWith('fed_') ? r.round - 1 : r.round;
      byName.set(name, [...(byName.get(name) ?? []), [round, value]]);
    }
  }
  canvas.hidden = byName.size === 0;
  if (canvas.hidden) return;
  const series = [...byName.entries()].map(([label, points], i) => ({ label, color: palette[i % palette.length], points }));
  drawChart(canvas, series, { title: [...byName.keys()].join(', ') + ' per round' });
}

const mb = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
const esc = (s: string) => s.replace(/[&<>"]/g, c => `&#${c.charCodeAt(0)};`);

void refresh();
setInterval(() => void refresh(), 5000); // workers and bytes have no event stream; jobs are live via SSE

const privacyMetrics = ['epsilon', 'dp_clip', 'dp_noise_std', 'dp_unclipped'];

/** The job's privacy in words: mode, the ε spent against its target, and the bound updates are clipped to. */
function privacyText(j: JobSnapshot): string {
  const p = j.privacy;
  if (!p) return '';
  const target = p.target_epsilon != null ? ` of target ${p.target_epsilon.toPrecision(3)}` : '';
  return ` — privacy: ${p.mode} DP${p.secure_aggregation ? ' with secure aggregation' : ''}, ε = ${p.epsilon.toPrecision(4)}${target} ` +
    `(δ = ${p.delta.toExponential(0)}), noise multiplier ${p.noise_multiplier.toPrecision(3)}, clip ${p.clip.toPrecision(3)}`;
}

/** ε spent after each round, against the target, and the clipping bound (it moves with adaptive clipping). */
function drawPrivacy(canvas: HTMLCanvasElement, rows: RoundRow[], target: number | null): void {
  const parsed = rows.filter(r => r.metrics).map(r => [r.round, JSON.parse(r.metrics!) as Record<string, number>] as const).filter(([, m]) => m.epsilon != null);
  canvas.hidden = parsed.length === 0;
  if (canvas.hidden) return;
  const series: Series[] = [{ label: 'ε spent', color: '#c2185b', points: parsed.map(([r, m]) => [r, m.epsilon]) }];
  if (target != null) series.push({ label: 'target ε', color: '#888888', points: [[parsed[0][0], target], [parsed[parsed.length - 1][0], target]] });
  series.push({ label: 'clip bound', color: '#2a6fdb', points: parsed.map(([r, m]) => [r, m.dp_clip]) });
  drawChart(canvas, series, { title: 'privacy spent (ε) and clip per round' });
}

/** Robust aggregation at a glance: what the rule did in the last round, and how often it left updates out. */
function robustText(rows: RoundRow[]): string {
  const robust = rows.filter(r => r.excluded != null);
  if (!robust.length) return '';
  const last = robust[robust.length - 1];
  const left = robust.reduce((n, r) => n + (r.excluded ?? 0), 0);
  return ` Robust aggregation, round ${last.round}: ${last.excluded} of ${last.updates} updates left out, ${last.clipped ?? 0} clipped; ${left} left out over ${robust.length} rounds.`;
}
