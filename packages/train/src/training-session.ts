/**
 * A training session over one artifact folder, in onnxruntime-node: the thin layer the
 * training loop calls. Parameters and AdamW moments live on the host as Float32Arrays and are
 * handed to the runtime without copies; each step replaces them with the runtime's outputs.
 */
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { FLAT_NAMES, StateDict, dynetParameterSpecs, optimizerNames } from '@dynet/graph';
import { ARTIFACT_FILES, ArtifactManifest, readManifest } from './artifacts';
import { TrainingCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { Device, openSession } from './execution-provider';

export interface TrainingSessionOptions {
  device?: Device;
  /** intra-op threads (default: the runtime's choice) */
  threads?: number;
  /** checkpoint to start from (default: the folder's checkpoint.safetensors) */
  checkpoint?: string;
  /** open the fused single-graph step instead of the split training + optimizer graphs */
  fused?: boolean;
  /**
   * parameters, moments and step to train, shared with other sessions (dynamic training runs
   * an S and an L session on one store); default: read from `checkpoint`
   */
  store?: TrainingCheckpoint;
  /** run ORT's profiler in every graph of the session, writing PREFIX_<time>.json at release */
  profilePrefix?: string;
}

type Sessions = { training?: ort.InferenceSession; eval?: ort.InferenceSession; optimizer?: ort.InferenceSession; fused?: ort.InferenceSession };

/** Where each trained parameter sits in the fused step's flat tensors. */
interface FlatSlot {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

export class TrainingSession {
  private grads: Map<string, ort.Tensor> | null = null;
  private readonly slots: FlatSlot[];
  private readonly flatSize: number;

  private constructor(
    readonly manifest: ArtifactManifest,
    private readonly sessions: Sessions,
    private readonly ckpt: TrainingCheckpoint,
    private readonly profiling: boolean,
  ) {
    let offset = 0;
    this.slots = manifest.trained.map(({ name, shape }) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const slot = { name, shape, offset, size };
      offset += size;
      return slot;
    });
    this.flatSize = offset;
  }

  static async open(dir: string, opts: TrainingSessionOptions = {}): Promise<TrainingSession> {
    const manifest = readManifest(dir);
    const device = opts.device ?? 'cpu';
    const open = (f: keyof typeof ARTIFACT_FILES) => openSession(path.join(dir, ARTIFACT_FILES[f]), device, opts.threads, { profilePrefix: opts.profilePrefix && `${opts.profilePrefix}-${f}` });
    if (opts.fused && !manifest.files.fused) throw new Error(`${dir}: no fused step graph; write the artifacts with --fused`);
    const sessions: Sessions = opts.fused
      ? { fused: await open('fused'), eval: await open('eval') }
      : { training: await open('training'), optimizer: await open('optimizer'), eval: await open('eval') };
    const ckpt =
      opts.store ?? loadCheckpoint(opts.checkpoint ?? path.join(dir, ARTIFACT_FILES.checkpoint), dynetParameterSpecs(manifest.config), manifest.trained.map((t) => t.name));
    return new TrainingSession(manifest, sessions, ckpt, Boolean(opts.profilePrefix));
  }

  /** optimizer steps taken so far */
  get step(): number {
    return this.ckpt.step;
  }

  get parameters(): StateDict {
    return this.ckpt.params;
  }

  /** the parameters, moments and step this session trains (possibly shared) */
  get store(): TrainingCheckpoint {
    return this.ckpt;
  }

  /** Loss and gradients for one batch; the gradients wait for optimizerStep. */
  async trainStep(input: Float32Array, target: Float32Array): Promise<number> {
    const out = await this.need('training').run({ ...this.paramFeeds(), ...this.batchFeeds(input, target) });
    this.grads = new Map(this.manifest.trained.map(({ name }) => [name, out[optimizerNames.grad(name)]]));
    return (out.loss.data as Float32Array)[0];
  }

  /** The gradients of the last trainStep, by parameter name. */
  gradients(): Map<string, Float32Array> {
    if (!this.grads) throw new Error('no gradients yet: call trainStep first');
    return new Map([...this.grads].map(([k, t]) => [k, t.data as Float32Array]));
  }

  /** One AdamW step with the last trainStep's gradients. */
  async optimizerStep(learningRate: number): Promise<void> {
    if (!this.grads) throw new Error('optimizerStep needs gradients: call trainStep first');
    const n = optimizerNames;
    const feeds: Record<string, ort.Tensor> = { ...this.scalarFeeds(learningRate), ...this.paramFeeds(), ...this.momentFeeds() };
    for (const [name, g] of this.grads) feeds[n.grad(name)] = g;
    this.adopt(await this.need('optimizer').run(feeds));
    this.grads = null;
  }

  /** Forward, backward and AdamW in one run of the fused graph; returns the loss before the update. */
  async fusedStep(input: Float32Array, target: Float32Array, learningRate: number): Promise<number> {
    const feeds = { ...this.scalarFeeds(learningRate), ...this.flatFeeds(), ...this.batchFeeds(input, target) };
    const out = await this.need('fused').run(feeds);
    this.adoptFlat(out);
    return (out.loss.data as Float32Array)[0];
  }

  async evalStep(input: Float32Array, target: Float32Array): Promise<{ loss: number; output: Float32Array }> {
    const out = await this.need('eval').run({ ...this.paramFeeds(), ...this.batchFeeds(input, target) });
    return { loss: (out.loss.data as Float32Array)[0], output: out.output.data as Float32Array };
  }

  /** Writes the parameters, moments, step and `state` atomically. */
  save(file: string, state: Record<string, string> = {}): void {
    saveCheckpoint(file, { ...this.ckpt, state: { ...this.ckpt.state, ...state } }, JSON.stringify(this.manifest.config));
  }

  /**
   * Replaces parameters, moments and step with a checkpoint's, in place (sessions sharing the
   * store see the change); returns its saved state.
   */
  load(file: string): Record<string, string> {
    Object.assign(this.ckpt, loadCheckpoint(file, dynetParameterSpecs(this.manifest.config), this.manifest.trained.map((t) => t.name)));
    this.grads = null;
    return this.ckpt.state;
  }

  async release(): Promise<void> {
    for (const s of Object.values(this.sessions)) {
      if (this.profiling) s?.endProfiling();
      await s?.release();
    }
  }

  private need(kind: keyof Sessions): ort.InferenceSession {
    const s = this.sessions[kind];
    if (!s) throw new Error(`this session was opened ${this.sessions.fused ? 'with' : 'without'} the fused graph; '${kind}' is not available`);
    return s;
  }

  private batchFeeds(input: Float32Array, target: Float32Array): Record<string, ort.Tensor> {
    const { batch, height, width } = this.manifest.shape;
    const dims = [batch, 3, height, width];
    const want = batch * 3 * height * width;
    for (const [name, a] of [['input', input], ['target', target]] as const) {
      if (a.length !== want) throw new RangeError(`${name} has ${a.length} values; these artifacts take [${dims}] (${want})`);
    }
    return { input: new ort.Tensor('float32', input, dims), target: new ort.Tensor('float32', target, dims) };
  }

  private paramFeeds(): Record<string, ort.Tensor> {
    return Object.fromEntries(this.manifest.trained.map(({ name, shape }) => [name, new ort.Tensor('float32', this.ckpt.params.get(name)!.data, shape)]));
  }

  private momentFeeds(): Record<string, ort.Tensor> {
    const n = optimizerNames;
    const feeds: Record<string, ort.Tensor> = {};
    for (const { name, shape } of this.manifest.trained) {
      feeds[n.expAvg(name)] = new ort.Tensor('float32', this.ckpt.expAvg.get(name)!.data, shape);
      feeds[n.expAvgSq(name)] = new ort.Tensor('float32', this.ckpt.expAvgSq.get(name)!.data, shape);
    }
    return feeds;
  }

  private scalarFeeds(learningRate: number): Record<string, ort.Tensor> {
    return {
      learning_rate: new ort.Tensor('float32', new Float32Array([learningRate]), []),
      step: new ort.Tensor('float32', new Float32Array([this.ckpt.step + 1]), []),
    };
  }

  /**
   * The store as the fused graph's three flat tensors. After a fused step (of this session or
   * of another one sharing the store) the store's tensors are views of its flat outputs, which
   * are fed back as they are; otherwise (first step, a load, a split step) they are gathered.
   */
  private flatFeeds(): Record<string, ort.Tensor> {
    const dims = [this.flatSize];
    const flat = (tensors: StateDict) => new ort.Tensor('float32', this.flatView(tensors) ?? this.gather(tensors), dims);
    return {
      [FLAT_NAMES.parameters]: flat(this.ckpt.params),
      [FLAT_NAMES.expAvg]: flat(this.ckpt.expAvg),
      [FLAT_NAMES.expAvgSq]: flat(this.ckpt.expAvgSq),
    };
  }

  /** The flat array that `tensors` are views of, when they lie in it at their slots' offsets. */
  private flatView(tensors: StateDict): Float32Array | null {
    const first = tensors.get(this.slots[0].name)!.data;
    const base = first.byteOffset - this.slots[0].offset * 4;
    for (const { name, offset, size } of this.slots) {
      const d = tensors.get(name)!.data;
      if (d.buffer !== first.buffer || d.byteOffset !== base + offset * 4 || d.length !== size) return null;
    }
    return new Float32Array(first.buffer, base, this.flatSize);
  }

  private gather(tensors: StateDict): Float32Array {
    const flat = new Float32Array(this.flatSize);
    for (const { name, offset } of this.slots) flat.set(tensors.get(name)!.data, offset);
    return flat;
  }

  /** Takes the fused run's flat outputs; the store's tensors become views of them. */
  private adoptFlat(out: ort.InferenceSession.OnnxValueMapType): void {
    const n = optimizerNames;
    const take = (tensors: StateDict, flatName: string) => {
      const flat = out[n.updated(flatName)].data as Float32Array;
      for (const { name, shape, offset, size } of this.slots) tensors.set(name, { shape, data: flat.subarray(offset, offset + size) });
    };
    take(this.ckpt.params, FLAT_NAMES.parameters);
    take(this.ckpt.expAvg, FLAT_NAMES.expAvg);
    take(this.ckpt.expAvgSq, FLAT_NAMES.expAvgSq);
    this.ckpt.step += 1;
  }

  /** Takes the updated parameters and moments from an optimizer run. */
  private adopt(out: ort.InferenceSession.OnnxValueMapType): void {
    const n = optimizerNames;
    for (const { name, shape } of this.manifest.trained) {
      this.ckpt.params.set(name, { shape, data: out[n.updated(name)].data as Float32Array });
      this.ckpt.expAvg.set(name, { shape, data: out[n.updated(n.expAvg(name))].data as Float32Array });
      this.ckpt.expAvgSq.set(name, { shape, data: out[n.updated(n.expAvgSq(name))].data as Float32Array });
    }
    this.ckpt.step += 1;
  }
}
