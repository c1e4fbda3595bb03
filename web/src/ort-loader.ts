// Loads onnxruntime-web from the coordinator itself (/assets/ort/), never a CDN. The WebGPU build also holds
// the WASM backend, so it is loaded only where the browser has WebGPU.
import { OrtModule } from './trainer';

export async function hasWebGpu(): Promise<boolean> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return false;
  try { return (await gpu.requestAdapter()) != null; } catch { return false; }
}

export async function loadOrt(webgpu: boolean, threads: number): Promise<OrtModule> {
  const url = new URL(webgpu ? '/assets/ort/ort.webgpu.min.mjs' : '/assets/ort/ort.wasm.min.mjs', self.location.origin).toString();
  const ort = (await import(/* @vite-ignore */ url)) as OrtModule;
  ort.env.wasm.wasmPaths = new URL('/assets/ort/', self.location.origin).toString();
  // Threads need cross-origin isolation (the coordinator sends COOP/COEP); without it ORT falls back to one.
  ort.env.wasm.numThreads = (self as unknown as { crossOriginIsolated?: boolean }).crossOriginIsolated ? threads : 1;
  ort.env.logLevel = 'error';
  return ort;
}
