// A data set the person picked in this tab (a CSV file or a folder of class subfolders of images), read into
// features and labels exactly as the .NET worker reads `--data NAME=PATH` (src/Tessera.Data/Loading/CsvLoader.cs,
// ImageFolderLoader.cs, ImageDecoder.cs, Sources/SampleShapeFit.cs), so a job trains the same on either worker.
// The files are only ever read here; nothing of them is sent anywhere.
import type { Shard } from './task-runner';

/** The job spec's data.format as a task carries it (src/Tessera.Protocol/Jobs/DataFormatSpec.cs, snake_case). */
export interface DataFormat {
  kind?: string; label?: string; columns?: string[]; label_kind?: string;
  image_size?: number[]; channels?: number; mean?: number[]; std?: number[];
}

/** What the model takes, from the artifact's manifest. */
export interface ModelInput { sampleShape: number[]; labelType: 'Float' | 'Int64' }

/**
 * The picked files: one CSV, or every file under the picked folder with its path below the folder's parent
 * (kept apart from the File, since a File posted to the Web Worker loses its webkitRelativePath).
 */
export interface PickedData { kind: 'csv' | 'images'; name: string; files: File[]; paths: string[] }

/** A parsed data set: the shard the trainer reads, and what to show the person. */
export interface LocalDataset { shard: Shard; classes: string[] | null; features: string[] | null; shape: number[] }

/** A problem with the picked data: one line naming the file and the field. */
export class LocalDataError extends Error {}

const DefaultLabel = 'label';
const ImageExtensions = ['.png', '.jpg', '.jpeg'];
/** .NET's StringComparer.Ordinal: UTF-16 code units, as JS compares strings. */
const ordinal = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The picked files as a data set of `kind`, from a file input's list (a folder pick gives relative paths). */
export function picked(kind: 'csv' | 'images', list: FileList | File[]): PickedData {
  const files = Array.from(list);
  if (files.length === 0) throw new LocalDataError('no files picked');
  const name = kind === 'csv' ? files[0].name : (files[0].webkitRelativePath.split('/')[0] || files[0].name);
  const kept = kind === 'csv' ? files.slice(0, 1) : files;
  return { kind, name, files: kept, paths: kept.map(f => f.webkitRelativePath || f.name) };
}

/**
 * Samples told to the coordinator at join, before the job's format is known: rows of a CSV (non-blank lines
 * after the header, as src/Tessera.Worker/LocalDataCount.cs counts them) or the images in class folders.
 */
export async function countSamples(data: PickedData): Promise<number> {
  if (data.kind === 'images') return Math.max(1, imageFiles(data).files.length);
  const lines = (await data.files[0].text()).split(/\r?\n|\r/).filter(l => l.trim().length > 0).length;
  return Math.max(1, lines - 1);
}

/** Reads the picked data as the task's format says, shaped for the model; throws LocalDataError naming file and field. */
export async function loadLocal(data: PickedData, format: DataFormat | null | undefined, model: ModelInput): Promise<LocalDataset> {
  const f = format ?? {};
  const kind = f.kind?.trim().toLowerCase() ?? data.kind;
  if (kind !== data.kind) throw new LocalDataError(`${data.name}: data.format.kind is '${f.kind}', but a ${data.kind === 'csv' ? 'CSV file' : 'folder of images'} was picked`);
  // Unset label kind follows the model's loss, as JobDatasets.Source does (class labels for softmax cross entropy).
  const float = f.label_kind === 'float' || (f.label_kind !== 'class' && model.labelType === 'Float');
  const set = kind === 'csv'
    ? parseCsv(await data.files[0].text(), data.name, f.label ?? DefaultLabel, f.columns?.length ? f.columns : null, float)
    : await readImages(data, f, model.sampleShape);
  const shape = fitShape(set.shape, model.sampleShape, data.name, kind === 'csv' ? 'a row of feature columns' : 'images');
  if (model.labelType === 'Int64' && !set.shard.y) throw new LocalDataError(`${data.name}: data: the model's loss (softmax_cross_entropy) needs class labels, the data has float targets`);
  if (model.labelType === 'Float' && !set.shard.t) throw new LocalDataError(`${data.name}: data: the model's loss needs float targets, the data has class labels; set data.format.label_kind: float`);
  return { ...set, shape };
}

/** CsvLoader.Load: a header row, the label column, numeric features (every other column, or `columns` in that order). */
export function parseCsv(text: string, file: string, labelColumn: string, columns: string[] | null, float: boolean): LocalDataset {
  const fail = (m: string): never => { throw new LocalDataError(`${file}: ${m}`); };
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > 0 && lines[0].charCodeAt(0) === 0xfeff) lines[0] = lines[0].slice(1); // StreamReader drops a UTF-8 BOM
  let at = 0;
  while (at < lines.length && lines[at].trim().length === 0) at++;
  if (at >= lines.length) fail('CSV is empty: no header row');
  const header = splitLine(lines[at], at + 1, fail).map(h => h.trim());
  const labelIndex = header.indexOf(labelColumn);
  if (labelIndex < 0) fail(`label column '${labelColumn}' not in header [${header.join(', ')}]`);
  const featureIndices = columns === null
    ? header.map((_, i) => i).filter(i => i !== labelIndex)
    : columns.map(c => {
      const i = header.indexOf(c);
      return i >= 0 && i !== labelIndex ? i : fail(`feature column '${c}' not in header [${header.join(', ')}] (or it is the label)`);
    });
  const features: number[] = [];
  const raw: { text: string; row: number }[] = [];
  for (let i = at + 1; i < lines.length; i++) {
    const line = lines[i], row = i + 1;
    if (line.trim().length === 0) continue;
    const fields = splitLine(line, row, fail);
    if (fields.length !== header.length) fail(`row ${row}: ${fields.length} fields, header has ${header.length}`);
    for (const j of featureIndices) {
      const v = parseFloat32(fields[j]);
      if (v === null) fail(`row ${row}, column '${header[j]}': '${fields[j]}' is not a number`);
      features.push(v!);
    }
    raw.push({ text: fields[labelIndex].trim(), row });
  }
  if (featureIndices.length === 0) fail('CSV has no feature columns besides the label');
  const featureNames = featureIndices.map(i => header[i]);
  const x = Float32Array.from(features), count = raw.length, sampleSize = featureIndices.length;
  const shard = (y: BigInt64Array | undefined, t: Float32Array | undefined): Shard => ({ x, y, t, count, sampleSize, labelSize: 1 });
  if (float) {
    const t = Float32Array.from(raw, r => parseFloat32(r.text) ?? fail(`row ${r.row}, column '${labelColumn}': '${r.text}' is not a number`));
    return { shard: shard(undefined, t), classes: null, features: featureNames, shape: [sampleSize] };
  }
  // Every label a non-negative integer: it is the class index; otherwise distinct strings in ordinal order.
  // (long.TryParse with NumberStyles.None: ASCII digits that fit an int64.)
  if (count > 0 && raw.every(r => /^[0-9]+$/.test(r.text) && BigInt(r.text) <= 9223372036854775807n)) {
    const y = BigInt64Array.from(raw, r => {
      const v = BigInt(r.text);
      return v < 2147483647n ? v : fail(`row ${r.row}, column '${labelColumn}': '${r.text}' is not a non-negative integer class`);
    });
    const classCount = y.length === 0 ? 1 : Number(y.reduce((a, b) => (b > a ? b : a), 0n)) + 1;
    return { shard: shard(y, undefined), classes: Array.from({ length: classCount }, (_, i) => String(i)), features: featureNames, shape: [sampleSize] };
  }
  const classes = [...new Set(raw.map(r => r.text))].sort(ordinal);
  const index = new Map(classes.map((c, i) => [c, BigInt(i)]));
  return { shard: shard(BigInt64Array.from(raw, r => index.get(r.text)!), undefined), classes, features: featureNames, shape: [sampleSize] };
}

/** CsvLoader.SplitLine: RFC 4180 quoting ("" is a quote); a quote opens a field only at its (blank) start. */
function splitLine(line: string, row: number, fail: (m: string) => never): string[] {
  const fields: string[] = [];
  let field = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field.trim().length === 0) { field = ''; quoted = true; }
    else if (ch === ',') { fields.push(field); field = ''; }
    else field += ch;
  }
  if (quoted) fail(`row ${row}: unterminated quoted field`);
  fields.push(field);
  return fields;
}

/**
 * float.TryParse(s, NumberStyles.Float, InvariantCulture): optional sign, digits with one decimal point, an
 * exponent, surrounding white space, or the invariant culture's Infinity/NaN symbols (case-insensitive).
 * JS's Number() also takes hex, binary and the empty string, so the grammar is checked first.
 */
function parseFloat32(s: string): number | null {
  const t = s.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Math.fround(Number(t));
  const m = /^([+-]?)(infinity|∞|nan)$/i.exec(t);
  if (!m) return null;
  return m[2].toLowerCase() === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity;
}

/** ImageFolderLoader's layout: picked/CLASS/IMAGE; classes and images in ordinal order; hidden entries skipped. */
function imageFiles(data: PickedData): { classes: string[]; files: { file: File; path: string; label: number }[] } {
  const byClass = new Map<string, { file: File; path: string }[]>();
  for (const [k, file] of data.files.entries()) {
    const parts = data.paths[k].split('/');
    if (parts.length !== 3 || parts[1].startsWith('.')) continue; // loose files in the root and deeper folders are not read
    const images = byClass.get(parts[1]) ?? [];
    byClass.set(parts[1], images);
    const lower = parts[2].toLowerCase();
    if (!parts[2].startsWith('.') && ImageExtensions.some(e => lower.endsWith(e))) images.push({ file, path: parts.join('/') });
  }
  const classes = [...byClass.keys()].sort(ordinal);
  if (classes.length === 0) throw new LocalDataError(`${data.name}: has no class subfolders (expected one folder of images per class)`);
  const files = classes.flatMap((c, label) => {
    const images = byClass.get(c)!;
    if (images.length === 0) throw new LocalDataError(`${data.name}/${c}: class folder has no PNG or JPEG images`);
    return images.sort((a, b) => ordinal(a.file.name, b.file.name)).map(i => ({ ...i, label }));
  });
  return { classes, files };
}

/** ImageFolderLoader.Load + ImageDecoder: resized to [H, W], CHW, (byte/255 − mean)/std in float32; gray is ITU-R 601 luma. */
async function readImages(data: PickedData, f: DataFormat, sampleShape: number[]): Promise<LocalDataset> {
  const { classes, files } = imageFiles(data);
  // Unset size and channels follow the model's [C, H, W] input (DatasetLoader), else the first image's size and 3 channels.
  const [mc, mh, mw] = sampleShape;
  const chw = sampleShape.length === 3 && (mc === 1 || mc === 3) && mh > 0 && mh <= 8192 && mw > 0 && mw <= 8192;
  const channels = f.channels ?? (sampleShape.length === 3 ? mc : 3);
  if (channels !== 1 && channels !== 3) throw new LocalDataError(`${data.name}: data.format.channels is ${channels}; images have 1 (gray) or 3 (rgb)`);
  let size = f.image_size?.length ? f.image_size : chw ? [mh, mw] : null;
  if (size && size.length !== 2) throw new LocalDataError(`${data.name}: data.format.image_size has ${size.length} values; it is [height, width]`);
  const first = size ? null : await decode(files[0].file, files[0].path);
  size ??= [first!.height, first!.width];
  const [h, w] = size;
  if (!(h > 0 && w > 0 && h * w <= 1 << 26)) throw new LocalDataError(`${data.name}: image size [${h}, ${w}] must be positive and at most 2^26 pixels`);
  const mean = perChannel(f.mean, 0, channels, 'mean', data.name), std = perChannel(f.std, 1, channels, 'std', data.name);
  if (std.some(s => !(s > 0) || !Number.isFinite(s))) throw new LocalDataError(`${data.name}: data.format.std [${std.join(', ')}] must be positive`);
  const plane = h * w, sampleSize = channels * plane;
  const x = new Float32Array(files.length * sampleSize), y = new BigInt64Array(files.length);
  const f32 = Math.fround;
  for (let i = 0; i < files.length; i++) {
    const px = await pixels(files[i].file, files[i].path, h, w);
    const out = x.subarray(i * sampleSize, (i + 1) * sampleSize);
    for (let p = 0; p < plane; p++) {
      const r = px[4 * p], g = px[4 * p + 1], b = px[4 * p + 2];
      // float32 at every step, as C# evaluates these float expressions.
      if (channels === 1) {
        const luma = f32(f32(f32(f32(0.299) * r) + f32(f32(0.587) * g)) + f32(f32(0.114) * b));
        out[p] = f32(f32(f32(luma / 255) - mean[0]) / std[0]);
      }
      else {
        out[p] = f32(f32(f32(r / 255) - mean[0]) / std[0]);
        out[plane + p] = f32(f32(f32(g / 255) - mean[1]) / std[1]);
        out[2 * plane + p] = f32(f32(f32(b / 255) - mean[2]) / std[2]);
      }
    }
    y[i] = BigInt(files[i].label);
  }
  return { shard: { x, y, count: files.length, sampleSize, labelSize: 1 }, classes, features: null, shape: [channels, h, w] };
}

function perChannel(values: number[] | undefined, fallback: number, channels: number, what: string, name: string): number[] {
  if (!values?.length) return Array(channels).fill(fallback);
  if (values.some(v => !Number.isFinite(v))) throw new LocalDataError(`${name}: data.format.${what} [${values.join(', ')}] must be finite`);
  if (values.length === 1) return Array(channels).fill(Math.fround(values[0]));
  if (values.length !== channels) throw new LocalDataError(`${name}: data.format.${what} has ${values.length} values for ${channels} channels`);
  return values.map(Math.fround);
}

async function decode(file: File, path: string, resize?: { h: number; w: number }): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(file, {
      premultiplyAlpha: 'none', colorSpaceConversion: 'none',
      ...(resize ? { resizeWidth: resize.w, resizeHeight: resize.h, resizeQuality: 'high' as const } : {}),
    });
  } catch { throw new LocalDataError(`${path}: not a PNG or JPEG image the browser can decode`); }
}

/** RGBA bytes of the image at [h, w]. Same-size images are exact; resizing is the browser's (close to, not bit-equal with, Skia's). */
async function pixels(file: File, path: string, h: number, w: number): Promise<Uint8ClampedArray> {
  const probe = await decode(file, path);
  const bitmap = probe.width === w && probe.height === h ? probe : await decode(file, path, { h, w });
  if (bitmap !== probe) probe.close();
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new LocalDataError(`${path}: no 2D canvas to read the image`);
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return ctx.getImageData(0, 0, w, h).data;
}

/** SampleShapeFit.Fit: flattening views and size-1 axes are taken; anything else is a mismatch naming the file. */
function fitShape(actual: number[], expected: number[], file: string, field: string): number[] {
  if (actual.length === expected.length && actual.every((a, i) => expected[i] <= 0 || a === expected[i])) return actual;
  const fixed = expected.every(d => d > 0);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const nonUnit = (s: number[]) => s.filter(d => d !== 1).join(',');
  if (fixed && size(expected) === size(actual) && (expected.length === 1 || nonUnit(actual) === nonUnit(expected))) return expected;
  throw new LocalDataError(`${file}: ${field} has sample shape [${actual.join(', ')}] but the model takes [${expected.join(', ')}]`);
}

/**
 * What the page shows before a job names the format: rows, features and the classes of the label column —
 * `label` if the header has one, else the first column holding a non-number (the job's data.format.label decides
 * when a task comes). Throws LocalDataError for a file no format could read (ragged rows, a non-numeric feature).
 */
export async function preview(data: PickedData): Promise<string> {
  if (data.kind === 'images') {
    const { classes, files } = imageFiles(data);
    return `${data.name}: ${files.length} images, ${classes.length} classes (${classes.join(', ')})`;
  }
  const text = await data.files[0].text();
  const rows = text.split(/\r\n|\n|\r/).filter(l => l.trim().length > 0).map((l, i) => splitLine(l, i + 1, m => { throw new LocalDataError(`${data.name}: ${m}`); }));
  if (rows.length === 0) throw new LocalDataError(`${data.name}: CSV is empty: no header row`);
  const header = rows[0].map(h => h.trim().replace(/^\uFEFF/, ''));
  const guess = header.includes(DefaultLabel) ? DefaultLabel
    : header.find((_, j) => rows.slice(1).some(r => r[j] !== undefined && parseFloat32(r[j]) === null));
  if (guess === undefined) return `${data.name}: ${rows.length - 1} rows, columns ${header.join(', ')}`;
  const set = parseCsv(text, data.name, guess, null, false);
  return `${data.name}: ${set.shard.count} rows, ${set.shard.sampleSize} features, label '${guess}': ${set.classes!.length} classes (${summarize(set.classes!)})`;
}

export function summarize(classes: string[]): string {
  return classes.length <= 10 ? classes.join(', ') : `${classes.slice(0, 10).join(', ')}, …`;
}
