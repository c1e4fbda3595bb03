// The training artifact's calling contract, read from the ONNX metadata entry "tessera.manifest"
// (src/Tessera.Graphs/Training/ArtifactManifest.cs). onnxruntime-web does not expose custom metadata, so the
// ModelProto's top-level fields are scanned directly (field 14 = metadata_props).

export interface TensorSpec { name: string; shape: number[] }

export interface ArtifactManifest {
  kind: 'train' | 'eval';
  model: string;
  batchSize: number;
  sampleShape: number[];
  inputType: 'Float' | 'Int64';
  labelShape: number[];
  labelType: 'Float' | 'Int64';
  /** Trainable tensors, then buffers (BatchNorm running statistics, updated by the forward pass). */
  parameters: TensorSpec[];
  /** Names of the parameters that are buffers: no gradient, optimizer state, FedProx or SCAFFOLD inputs. */
  buffers: string[];
  state: TensorSpec[];
  hyperparameters: string[];
  extraInputs: string[];
  optimizer?: string;
  flopsPerSample: number;
}

export const ParamPrefix = 'param/', ParamOutPrefix = 'param_out/', StatePrefix = 'state/', StateOutPrefix = 'state_out/', GlobalPrefix = 'global/';
export const ServerControlPrefix = 'control/server/', ClientControlPrefix = 'control/client/';
/** SCAFFOLD: an update's Δc_i tensors are named with this prefix (src/Tessera.Protocol/Wire/ControlVariateTensors.cs). */
export const ControlDeltaPrefix = 'control_delta/';

export function readManifest(onnx: Uint8Array): ArtifactManifest {
  const json = onnxMetadata(onnx)['tessera.manifest'];
  if (!json) throw new Error('artifact has no tessera.manifest metadata; is it a Tessera training artifact?');
  const m = JSON.parse(json) as ArtifactManifest;
  m.state ??= []; m.hyperparameters ??= []; m.extraInputs ??= []; m.buffers ??= [];
  return m;
}

export function numel(shape: number[]): number { return shape.reduce((a, b) => a * b, 1); }

function onnxMetadata(buf: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  const varint = (): number => {
    let result = 0, scale = 1, b: number;
    do { b = buf[pos++]; result += (b & 0x7f) * scale; scale *= 128; } while (b & 0x80);
    return result;
  };
  const text = (from: number, to: number) => new TextDecoder().decode(buf.subarray(from, to));
  while (pos < buf.length) {
    const key = varint(), field = Math.floor(key / 8), wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const len = varint(), end = pos + len;
      if (field === 14) {
        let k = '', v = '';
        while (pos < end) {
          const sk = varint(), slen = varint();
          if (sk >> 3 === 1) k = text(pos, pos + slen); else if (sk >> 3 === 2) v = text(pos, pos + slen);
          pos += slen;
        }
        out[k] = v;
      }
      pos = end;
    } else throw new Error(`artifact: unexpected protobuf wire type ${wire}`);
  }
  return out;
}
