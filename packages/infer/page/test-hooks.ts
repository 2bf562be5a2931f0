/**
 * What the page exposes on `window.dynetPage` for the headless-browser tests and benchmarks: the
 * loaded restorer's raw tensor call, load time and the results shown so far.
 */
import type { Restorer } from '../src/core';

export interface PageResult {
  name: string;
  width: number;
  height: number;
  /** time to restore, ms */
  ms: number;
  /** when the result was shown, ms since navigation started */
  atMs: number;
  backend: string;
}

export interface PageHooks {
  /** resolves once the model is loaded (rejects with the load error) */
  ready: Promise<{ backend: string; loadMs: number }>;
  results: PageResult[];
  /** runs the graph on [N,3,H,W] values; returns the output values */
  runTensor(values: number[], shape: [number, number, number, number]): Promise<number[]>;
  /** ms taken by each of `runs` restorations of a width x height test image (after one warm-up) */
  timeRestore(width: number, height: number, runs: number): Promise<number[]>;
}

export function exposeTestHooks(loaded: Promise<{ restorer: Restorer; loadMs: number }>, results: PageResult[]): void {
  const restorer = loaded.then((l) => l.restorer);
  const hooks: PageHooks = {
    ready: loaded.then((l) => ({ backend: l.restorer.backend, loadMs: l.loadMs })),
    results,
    runTensor: async (values, shape) => Array.from(await (await restorer).runTensor(Float32Array.from(values), shape)),
    timeRestore: async (width, height, runs) => {
      const r = await restorer;
      const data = Float32Array.from({ length: 3 * width * height }, (_, i) => 0.5 + 0.4 * Math.sin(i * 0.013));
      const times: number[] = [];
      for (let k = -1; k < runs; k++) {
        const t0 = performance.now();
        await r.restore({ width, height, data });
        if (k >= 0) times.push(performance.now() - t0);
      }
      return times;
    },
  };
  (window as unknown as { dynetPage: PageHooks }).dynetPage = hooks;
}
