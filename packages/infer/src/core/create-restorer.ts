import { ModelRunner } from './model-runner';
import { Restorer } from './restorer';
import { RestorerImpl } from './restorer-impl';

/** A Restorer over any runner (a runtime of your own, or a stand-in model in tests). */
export function createRestorer(runner: ModelRunner, metadata: Record<string, string> = {}): Restorer {
  return new RestorerImpl(runner, metadata);
}
