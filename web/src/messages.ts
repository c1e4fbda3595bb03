// Messages between the /worker page and its training Web Worker.
import { PickedData } from './local-data';
import { ResultResponse } from './wire';

export type ToWorker =
  /** `local`: the data set picked in the page (its files stay in this browser), reported at join. */
  | { type: 'start'; server: string; token: string; name?: string; threads: number; local?: { name: string; samples: number; data: PickedData } }
  | { type: 'pause' }
  | { type: 'resume' };

export type FromWorker =
  | { type: 'status'; text: string }
  | { type: 'joined'; workerId: string; samplesPerSecond: number; providers: string[]; provider: string; benchmark: Record<string, number> }
  | { type: 'task'; taskId: string; jobId: string; round: number; steps: number; version: number }
  | { type: 'progress'; taskId: string; done: number; total: number; losses: number[] }
  | { type: 'uploaded'; taskId: string; jobId: string; round: number; meanLoss: number; samplesPerSecond: number; bytes: number; response: ResultResponse; body: Uint8Array; task: string }
  /** A secure round's stage, as it goes (keys, shares, masked input, unmask). */
  | { type: 'secure'; taskId: string; round: number; stage: string }
  /** A secure round's task finished: its masked update and unmask shares are in; nothing went to result_url. */
  | { type: 'secure-done'; taskId: string; jobId: string; round: number; samplesPerSecond: number }
  | { type: 'dropped'; taskId: string; reason: string }
  | { type: 'paused'; paused: boolean }
  | { type: 'error'; message: string }
  /** The local data set as a task's format read it (rows, classes), or the one line saying why it could not be. */
  | { type: 'local-data'; summary: string }
  | { type: 'local-error'; message: string };
