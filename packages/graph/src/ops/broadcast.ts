import { GraphError } from '../errors';
import { Dim, dimEquals } from '../ir/dim';

/** Numpy-style broadcast of two shapes; throws naming the op when they do not broadcast. */
export function broadcastShapes(opType: string, node: string, a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === 1) out.push(db);
    else if (db === 1 || dimEquals(da, db)) out.push(da);
    else throw new GraphError(opType, node, `shapes do not broadcast at axis ${i}`, { a, b });
  }
  return out;
}
