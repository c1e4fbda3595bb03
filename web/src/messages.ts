// Messages between the /worker page and its training Web Worker.
import { ResultResponse } from './wire';

export type ToWorker =
  | { type: 'start'; server: string; token: string; name?: string; threads: number }
  | { type: 'pause' }
  | { type: 'resume' };

export type FromWorker =
  | { type: 'status'; text: string }
  | { type: 'joined'; workerId: string; samplesPerSecond: number; providers: string[]; provider: string; benchmark: Record<string, number> }
  | { type: 'task'; taskId: string; jobId: string; round: number; steps: number; version: number }
  | { type: 'progress'; taskId: string; done: number; total: number; losses: number[] }
  | { type: 'uploaded'; taskId: string; jobId: string; round: number; meanLoss: number; samplesPerSecond: number; bytes: number; response: ResultResponse; body: Uint8Array; task: string }
  | { type: 'dropped'; taskId: string; reason: string }
  | { type: 'paused'; paused: boolean }
  | { type: 'error'; message: string };
