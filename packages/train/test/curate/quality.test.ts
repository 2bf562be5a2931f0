/**
 * Acceptance, issue 6: on the sample photos with controlled damage, every metric moves
 * monotonically the right way, and the default thresholds keep the originals and drop the heavily
 * damaged copies. (Scoring runs in a child process on the built library; see score-job.js.)
 */
import type { Scores } from '../../src/curate';
import { onePerSource, photoNames, ScoreJob, scoreJobs, ScoreResult } from './helpers';

type Damage = ScoreJob['damage'];

/** Per damage: the ladder (mild to heavy) and the scores that must rise (+1) or fall (-1) along it. */
const LADDERS: Record<Damage, { levels: number[]; moves: Partial<Record<keyof Scores, 1 | -1>> }> = {
  blur: { levels: [0, 1, 2, 3], moves: { niqe: 1, blur: 1, laplacianVar: -1 } },
  jpeg: { levels: [100, 50, 15, 5], moves: { niqe: 1, blockiness: 1, jpegQuality: -1 } },
  noise: { levels: [0, 10, 20, 50], moves: { niqe: 1 } },
};
/** The heaviest copy of each kind, which the defaults must drop. */
const HEAVY: Record<Damage, number> = { blur: 5, jpeg: 5, noise: 50 };
const KINDS = Object.keys(LADDERS) as Damage[];

const sample = onePerSource();
let results: ScoreResult[] = [];
const find = (photo: string, damage: Damage, level: number) => results.find((r) => r.photo === photo && r.damage === damage && r.level === level)!;

beforeAll(() => {
  const jobs: ScoreJob[] = [];
  for (const photo of sample) {
    for (const damage of KINDS) for (const level of [...LADDERS[damage].levels, HEAVY[damage]]) jobs.push({ photo, damage, level });
  }
  for (const photo of photoNames()) jobs.push({ photo, damage: 'noise', level: 0 });
  results = scoreJobs(jobs);
});

describe(`quality metrics on damaged copies of ${sample.join(', ')}`, () => {
  for (const kind of KINDS) {
    const { levels, moves } = LADDERS[kind];
    const what = Object.entries(moves).map(([m, d]) => `${m} ${d > 0 ? 'rises' : 'falls'}`).join(', ');
    test(`${kind} ${levels.join(' -> ')}: ${what}`, () => {
      for (const photo of sample) {
        for (const [metric, dir] of Object.entries(moves) as [keyof Scores, 1 | -1][]) {
          const values = levels.map((l) => find(photo, kind, l).scores[metric] as number);
          const ok = values.slice(1).every((v, i) => (v - values[i]) * dir > 0);
          if (!ok) throw new Error(`${photo}: ${metric} over ${kind} ${levels.join(',')} is not monotonic: ${values.join(', ')}`);
        }
      }
    });
  }

  test(`defaults drop the heaviest copies (blur sigma ${HEAVY.blur}, JPEG q${HEAVY.jpeg}, noise sigma ${HEAVY.noise})`, () => {
    for (const photo of sample) {
      for (const kind of KINDS) {
        const r = find(photo, kind, HEAVY[kind]);
        if (r.failed.length === 0) throw new Error(`${photo} with ${kind} ${HEAVY[kind]} was kept: ${JSON.stringify(r.scores)}`);
      }
    }
  });
});

test('defaults keep every one of the 72 original photos', () => {
  const originals = [...new Map(results.filter((r) => r.damage === 'noise' && r.level === 0).map((r) => [r.photo, r])).values()];
  expect(originals.length).toBe(72);
  expect(originals.filter((r) => r.failed.length).map((r) => `${r.photo} ${r.failed.join('+')} ${JSON.stringify(r.scores)}`)).toEqual([]);
});
