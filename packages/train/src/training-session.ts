/**
 * A training session over one artifact folder, in onnxruntime-node: the thin layer the
 * training loop calls. Parameters and AdamW moments live on the host as Float32Arrays and are
 * handed to the runtime without copies; each step replaces them with the runtime's outputs.
 */
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { StateDict, dynetParameterSpecs, optimizerNames } from '@dynet/graph';
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
}

type Sessions = { training?: ort.InferenceSession; eval?: ort.InferenceSession; optimizer?: ort.InferenceSession; fused?: ort.InferenceSession };

export class TrainingSession {
  private grads: Map<string, ort.Tensor> | null = null;

  private constructor(
    readonly manifest: ArtifactManifest,
    private readonly sessions: Sessions,
    private readonly ckpt: TrainingCheckpoint,
  ) {}

  static async open(dir: string, opts: TrainingSessionOptions = {}): Promise<TrainingSession> {
    const manifest = readManifest(dir);
    const device = opts.device ?? 'cpu';
    const open = (f: keyof typeof ARTIFACT_FILES) => openSession(path.join(dir, ARTIFACT_FILES[f]), device, opts.threads);
    if (opts.fused && !manifest.files.fused) throw new Error(`${dir}: no fused step graph; write the artifacts with --fused`);
    const sessions: Sessions = opts.fused
      ? { fused: await open('fused'), eval: await open('eval') }
      : { training: await open('training'), optimizer: await open('optimizer'), eval: await open('eval') };
    const ckpt =
      opts.store ?? loadCheckpoint(opts.checkpoint ?? path.join(dir, ARTIFACT_FILES.checkpoint), dynetParameterSpecs(manifest.config), manifest.trained.map((t) => t.name));
    return new TrainingSession(manifest, sessions, ckpt);
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
    const feeds = { ...this.scalarFeeds(learningRate), ...this.paramFeeds(), ...this.momentFeeds(), ...this.batchFeeds(input, target) };
    const out = await this.need('fused').run(feeds);
    this.adopt(out);
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
    for (const s of Object.values(this.sessions)) await s?.release();
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

  /** Takes the updated parameters and moments from an optimizer or fused run. */
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
