// Runs a training artifact with onnxruntime-web: each call trains K steps in one session.run, exactly as
// src/Tessera.Runtime/Trainer.cs does (weights and optimizer state out of one call feed the next).
import type * as Ort from 'onnxruntime-web';
import { ArtifactManifest, ClientControlPrefix, GlobalPrefix, ParamOutPrefix, ParamPrefix, ServerControlPrefix, StateOutPrefix, StatePrefix, numel } from './manifest';

export type OrtModule = typeof Ort;

/** Scalar hyperparameters with the defaults of src/Tessera.Runtime/Hyperparameters.cs. */
export const defaultHyperparameters: Record<string, number> = {
  lr: 0.1, momentum: 0.9, weight_decay: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, clip_norm: 1, prox_mu: 0.01,
};

export interface StepTrace { losses: Float32Array; correct: Float32Array }

export class BrowserTrainer {
  private params: Ort.Tensor[] = [];
  private state: Ort.Tensor[] = [];
  private extra = new Map<string, Ort.Tensor>();

  private constructor(private readonly ort: OrtModule, private readonly session: Ort.InferenceSession, readonly manifest: ArtifactManifest) {
    this.resetOptimizerState();
  }

  static async create(ort: OrtModule, artifact: Uint8Array, manifest: ArtifactManifest, provider: string): Promise<BrowserTrainer> {
    if (manifest.kind !== 'train') throw new Error('a trainer needs a training artifact');
    const known = [GlobalPrefix, ServerControlPrefix, ClientControlPrefix];
    const unsupported = manifest.extraInputs.filter(n => !known.some(p => n.startsWith(p)));
    if (unsupported.length) throw new Error(`the browser worker does not support artifact inputs ${unsupported.join(', ')}`);
    const session = await ort.InferenceSession.create(artifact, { executionProviders: [provider], graphOptimizationLevel: 'all' });
    return new BrowserTrainer(ort, session, manifest);
  }

  setParameters(values: Float32Array[]): void {
    this.params = this.manifest.parameters.map((p, i) => this.floats(values[i], p.shape, `weights '${p.name}'`));
  }

  /** FedProx: the global weights the proximal term pulls towards. */
  setGlobalWeights(values: Float32Array[]): void {
    this.manifest.parameters.forEach((p, i) => {
      const name = GlobalPrefix + p.name;
      if (this.manifest.extraInputs.includes(name)) this.extra.set(name, this.floats(values[i], p.shape, name));
    });
  }

  /** Whether the artifact applies SCAFFOLD's correction (and so needs c and c_i). */
  get usesControlVariates(): boolean { return this.manifest.extraInputs.some(n => n.startsWith(ServerControlPrefix)); }

  /** SCAFFOLD: the server's (c) and this client's (c_i) control variates, per parameter. */
  setControlVariates(server: Float32Array[], client: Float32Array[]): void {
    this.manifest.parameters.forEach((p, i) => {
      if (this.manifest.buffers.includes(p.name)) return; // BatchNorm running statistics have no control variates
      this.extra.set(ServerControlPrefix + p.name, this.floats(server[i], p.shape, ServerControlPrefix + p.name));
      this.extra.set(ClientControlPrefix + p.name, this.floats(client[i], p.shape, ClientControlPrefix + p.name));
    });
  }

  resetOptimizerState(): void {
    this.state = this.manifest.state.map(s => new this.ort.Tensor('float32', new Float32Array(numel(s.shape)), s.shape));
  }

  getParameters(): Float32Array[] { return this.params.map(t => t.data as Float32Array); }

  /** Trains `steps` steps on x [steps, B, ...sample] and y [steps, B, ...label]. */
  async train(x: Float32Array | BigInt64Array, y: BigInt64Array | Float32Array, steps: number, hp: Record<string, number>, dropoutSeed: bigint): Promise<StepTrace> {
    const m = this.manifest, ort = this.ort;
    const feeds: Record<string, Ort.Tensor> = {
      x: x instanceof Float32Array ? new ort.Tensor('float32', x, [steps, m.batchSize, ...m.sampleShape]) : new ort.Tensor('int64', x, [steps, m.batchSize, ...m.sampleShape]),
      y: y instanceof Float32Array ? new ort.Tensor('float32', y, [steps, m.batchSize, ...m.labelShape]) : new ort.Tensor('int64', y, [steps, m.batchSize, ...m.labelShape]),
    };
    for (const h of m.hyperparameters) {
      feeds[h] = h === 'dropout_seed'
        ? new ort.Tensor('int64', BigInt64Array.of(dropoutSeed), [])
        : new ort.Tensor('float32', Float32Array.of(h in hp ? hp[h] : defaultHyperparameters[h] ?? 0), []);
    }
    m.parameters.forEach((p, i) => { feeds[ParamPrefix + p.name] = this.params[i]; });
    m.state.forEach((s, i) => { feeds[StatePrefix + s.name] = this.state[i]; });
    for (const [name, t] of this.extra) feeds[name] = t;
    const out = await this.session.run(feeds);
    this.params = m.parameters.map(p => out[ParamOutPrefix + p.name]);
    this.state = m.state.map(s => out[StateOutPrefix + s.name]);
    return { losses: out['losses'].data as Float32Array, correct: out['correct'].data as Float32Array };
  }

  async release(): Promise<void> { await this.session.release(); }

  private floats(values: Float32Array, shape: number[], what: string): Ort.Tensor {
    if (values.length !== numel(shape)) throw new Error(`${what}: ${values.length} values for shape [${shape.join(',')}]`);
    return new this.ort.Tensor('float32', values, shape);
  }
}
