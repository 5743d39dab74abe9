/** The forge's CI runs .ci/run, the same script as local CI, on every push and pull request. */
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..');

interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { 'runs-on': string; steps: { run?: string; uses?: string }[] }>;
}

describe('.github/workflows/ci.yml', () => {
  const workflow = parse(readFileSync(join(ROOT, '.github/workflows/ci.yml'), 'utf8')) as Workflow;

  it('runs on push and on pull request', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
  });

  it('checks the code out and runs .ci/run, which exists and is executable', () => {
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    expect(steps.some((s) => s.uses?.startsWith('actions/checkout@'))).toBe(true);
    const runs = steps.filter((s) => s.run && /(^|\s)(bash\s+)?\.ci\/run(\s|$)/.test(s.run));
    expect(runs).toHaveLength(1);
    expect(() => accessSync(join(ROOT, '.ci/run'), constants.X_OK)).not.toThrow();
  });
});
