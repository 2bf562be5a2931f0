import { Dim, shapeToString } from './ir/dim';

/**
 * A wiring mistake found while building a graph. The message leads with the op and node and
 * spells every involved shape, so the culprit is visible without a debugger.
 */
export class GraphError extends Error {
  constructor(
    readonly opType: string,
    readonly node: string,
    problem: string,
    readonly shapes: Record<string, readonly Dim[]> = {},
  ) {
    const spelled = Object.entries(shapes)
      .map(([k, s]) => `${k} ${shapeToString(s)}`)
      .join(', ');
    super(`${opType} '${node}': ${problem}${spelled ? ` (${spelled})` : ''}`);
    this.name = 'GraphError';
  }
}
