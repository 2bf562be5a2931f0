/** docs/scaling.md's Kubernetes Indexed Job for curation: its shards cover 1..N exactly once. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseShard } from '@dynet/train';
import { ROOT } from './helpers';

interface Job {
  apiVersion: string;
  kind: string;
  spec: {
    completionMode: string;
    completions: number;
    parallelism: number;
    template: { spec: { restartPolicy: string; containers: { command: string[]; args: string[] }[] } };
  };
}

test('the curation Indexed Job maps JOB_COMPLETION_INDEX 0..N-1 onto --shard 1/N..N/N, each with its own output folder', () => {
  const job = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs', 'k8s', 'curate-indexed-job.json'), 'utf8')) as Job;
  expect([job.apiVersion, job.kind, job.spec.completionMode]).toEqual(['batch/v1', 'Job', 'Indexed']);
  const n = job.spec.completions;
  expect(job.spec.parallelism).toBe(n);
  expect(job.spec.template.spec.restartPolicy).toBe('Never');
  const [container] = job.spec.template.spec.containers;
  expect(container.command).toEqual(['/bin/sh', '-c']);
  const script = container.args.join(' ');
  expect(script).toMatch(/dynet data curate /);
  // Expand the shell arithmetic the pod runs, for every index the Job hands out.
  const shards: string[] = [];
  const outs = new Set<string>();
  for (let index = 0; index < n; index++) {
    const expanded = script.replace(/\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)/g, String(index + 1));
    expect(expanded).not.toMatch(/JOB_COMPLETION_INDEX/);
    const shard = /--shard (\S+)/.exec(expanded)![1];
    expect(parseShard(shard).count).toBe(n);
    shards.push(shard);
    const out = /^out=(\S+);/.exec(expanded)![1];
    expect(expanded).toContain('--out "$out"');
    outs.add(out);
  }
  expect(shards.map((s) => parseShard(s).index)).toEqual([...Array(n).keys()].map((i) => i + 1));
  expect(outs.size).toBe(n);
});
