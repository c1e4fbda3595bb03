// The worker's side of /api/v1 (mirrors src/Tessera.Worker/CoordinatorClient.cs). 4xx answers are final
// (RefusedError); network failures, 5xx and 429 are retried by the caller with backoff.
import { JoinResponse, ResultResponse, TaskMessage, WorkerCapabilities, parseTask } from './wire';

export class RefusedError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export class CoordinatorClient {
  sessionToken?: string;

  constructor(readonly server: string) {}

  async join(token: string, name: string | undefined, capabilities: WorkerCapabilities): Promise<JoinResponse> {
    const r = await this.json<JoinResponse>('POST', '/api/v1/workers/join', { token, name, capabilities });
    this.sessionToken = r.session_token;
    return r;
  }

  /** Long-polls for a task; null when none came in time. */
  async nextTask(waitSeconds: number, signal?: AbortSignal): Promise<TaskMessage | null> {
    const res = await this.send('GET', `/api/v1/tasks/next?wait=${waitSeconds}`, undefined, signal);
    if (res.status === 204) return null;
    return parseTask(await res.text());
  }

  heartbeat(taskId: string | undefined, stepsDone: number): Promise<{ continue: boolean }> {
    return this.json('POST', '/api/v1/workers/heartbeat', { task_id: taskId, steps_done: stepsDone });
  }

  async bytes(url: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.send('GET', url)).arrayBuffer());
  }

  /** Uploads an update file; `gzipped` says the body is its gzip (the task's upload.compression). */
  async upload(url: string, body: Uint8Array, gzipped = false): Promise<ResultResponse> {
    const res = await this.send('POST', url, body as Uint8Array<ArrayBuffer>, undefined, 'application/octet-stream', gzipped ? { 'Content-Encoding': 'gzip' } : {});
    return (await res.json()) as ResultResponse;
  }

  /** Gives a task back with the reason this worker cannot do it; the round invites someone else. */
  async decline(taskId: string, reason: string): Promise<void> {
    await this.send('POST', `/api/v1/tasks/${encodeURIComponent(taskId)}/decline`, JSON.stringify({ reason: reason.slice(0, 500) }), undefined, 'application/json');
  }

  /** Sends a secure round's stage message (JSON, its length declared). */
  async postStage(url: string, message: unknown, signal?: AbortSignal): Promise<void> {
    const res = await this.send('POST', url, JSON.stringify(message), signal, 'application/json');
    await res.arrayBuffer();
  }

  /** Long-polls a secure round's stage payload until the stage closes (202 means: ask again). */
  async pollStage<T>(url: string, signal?: AbortSignal): Promise<T> {
    for (;;) {
      const res = await this.send('GET', `${url}?wait=20`, undefined, signal);
      if (res.status !== 202) return (await res.json()) as T;
      await res.arrayBuffer();
    }
  }

  async json<T>(method: string, url: string, body?: unknown): Promise<T> {
    const res = await this.send(method, url, body === undefined ? undefined : JSON.stringify(body), undefined, 'application/json');
    return (await res.json()) as T;
  }

  private async send(method: string, url: string, body?: BodyInit, signal?: AbortSignal, contentType?: string, extra: Record<string, string> = {}): Promise<Response> {
    const headers: Record<string, string> = { ...extra };
    if (this.sessionToken) headers['Authorization'] = `Bearer ${this.sessionToken}`;
    if (contentType && body !== undefined) headers['Content-Type'] = contentType;
    const res = await fetch(new URL(url, this.server), { method, headers, body, signal, cache: 'no-store' });
    if (res.ok || res.status === 204) return res;
    let message = res.statusText;
    try { message = ((await res.json()) as { error?: string }).error ?? message; } catch { /* not JSON */ }
    if (res.status >= 500 || res.status === 429) throw new Error(`${res.status}: ${message}`);
    throw new RefusedError(res.status, `${res.status}: ${message}`);
  }
}
