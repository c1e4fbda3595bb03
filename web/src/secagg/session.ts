// A browser worker's side of a secure round over the task protocol (as src/Tessera.Worker/SecureSession.cs): keys
// and shares before training (POST keys, GET neighbours, POST shares, GET shares), then the masked update and the
// unmask shares after it (POST input, GET unmask, POST unmask). Only public keys, sealed shares, masked words and
// the shares the server asks for leave the tab; the update never does.
import type { CoordinatorClient } from '../api';
import { RefusedError } from '../api';
import { SecAggClient } from './client';
import { AddressedShares, MaskedUpload, NeighbourKeys, SecureAggregationTask, UnmaskRequest } from './messages';
import { boundedControl, encodeUpdate } from './update-format';

export type StageListener = (stage: string) => void;

export class SecureSession {
  private shares?: AddressedShares;

  private constructor(private readonly api: CoordinatorClient, readonly task: SecureAggregationTask, private readonly party: SecAggClient) {}

  /** Stages 1 and 2: advertise keys, then share them with the neighbours the coordinator names. */
  static async begin(api: CoordinatorClient, task: SecureAggregationTask, signal: AbortSignal, onStage: StageListener): Promise<SecureSession> {
    const s = new SecureSession(api, task, await SecAggClient.create(task.parameters, task.client));
    const url = task.stage_url;
    onStage('advertising keys');
    await api.postStage(`${url}/keys`, await s.party.advertiseKeys(), signal);
    onStage("waiting for the neighbours' keys");
    const neighbours = await poll<NeighbourKeys>(api, `${url}/neighbours`, signal);
    onStage(`sharing keys with ${neighbours.neighbours?.length ?? 0} neighbours`);
    await api.postStage(`${url}/shares`, await s.party.shareKeys(neighbours), signal);
    onStage("waiting for the neighbours' shares");
    s.shares = await poll<AddressedShares>(api, `${url}/shares`, signal);
    return s;
  }

  /**
   * Stages 3 and 4: the clipped, weighted (and, with distributed DP, noised) update masked, with SCAFFOLD's Δc_i beside
   * it; then this tab's shares for the unmasking. Returns the bounded Δc_i the round sums (undefined without one).
   */
  async finish(parts: Float32Array[], samples: number, steps: number, meanLoss: number, samplesPerSecond: number, signal: AbortSignal, onStage: StageListener,
    controlDelta?: Float32Array): Promise<Float32Array | undefined> {
    const url = this.task.stage_url;
    const controls = (this.task.control_scale ?? 0) > 0;
    if (controls && !controlDelta) throw new Error("the round masks SCAFFOLD's control delta, but this task trained without control variates");
    onStage('masking the update');
    const input = await this.party.maskInput(this.shares!, encodeUpdate(parts, samples, steps, this.task, undefined, undefined, controls ? controlDelta : undefined));
    const upload: MaskedUpload = { input, steps, mean_loss: Number.isFinite(meanLoss) ? meanLoss : 0, samples_per_second: samplesPerSecond };
    onStage(`sending the masked update (${Math.round(input.words.length * 3 / 4)} bytes)`);
    await this.api.postStage(`${url}/input`, upload, signal);
    onStage("waiting for the cohort's masked updates");
    const request = await poll<UnmaskRequest>(this.api, `${url}/unmask`, signal);
    onStage(`unmasking (${request.survivors?.length ?? 0} survivors, ${request.dropped?.length ?? 0} dropped)`);
    await this.api.postStage(`${url}/unmask`, await this.party.unmask(request), signal);
    onStage('done');
    return controls ? boundedControl(controlDelta!, this.task) : undefined;
  }
}

/** Long-polls through network trouble and 5xx (a stage cannot be asked for twice by mistake); 4xx answers are final. */
async function poll<T>(api: CoordinatorClient, url: string, signal: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try { return await api.pollStage<T>(url, signal); }
    catch (err) {
      if (err instanceof RefusedError || signal.aborted || attempt >= 8) throw err;
      await new Promise(r => setTimeout(r, Math.min(8000, 250 * 2 ** attempt)));
    }
  }
}
