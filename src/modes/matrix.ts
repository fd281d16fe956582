/**
 * The `plan` mode's matrix: one entry per platform with the runner its leg job runs on. Pure, so
 * the workflow contract (`strategy.matrix: ${{ fromJSON(needs.prepare.outputs.matrix) }}` and
 * `runs-on: ${{ matrix.runner }}`) is tested without a runner.
 */
import type { BuilderNode } from '../plan/native.js';
import type { Matrix, RunnerSpec } from '../types/matrix.js';
import type { Plan } from '../types/plan.js';

export type { Matrix, MatrixEntry, RunnerSpec } from '../types/matrix.js';

/**
 * A runner label, or a JSON array of labels (`["self-hosted","ARM64"]`), as the `runners` and
 * `default-runner` inputs give it. Throws with the expected form.
 */
export function parseRunner(text: string): RunnerSpec {
  const t = text.trim();
  if (t.startsWith('[')) {
    let labels: unknown;
    try {
      labels = JSON.parse(t);
    } catch {
      throw new Error(`"${t}" is not a JSON array of labels (expected e.g. ["self-hosted","ARM64"])`);
    }
    if (!Array.isArray(labels) || labels.length === 0 || !labels.every((l) => typeof l === 'string' && l.trim() !== '')) {
      throw new Error(`"${t}" must be a non-empty JSON array of label strings (expected e.g. ["self-hosted","ARM64"])`);
    }
    return labels as string[];
  }
  if (t === '' || /[\s"]/.test(t)) throw new Error(`"${t}" is not a runner label (expected a label such as ubuntu-24.04-arm, or a JSON array of labels)`);
  return t;
}

/**
 * The runners as builder nodes for the planner: a platform with its own runner is native there.
 * The default runner is native for the platforms it is also named for, which becomes the host of
 * every other leg; when it is named for none, the planner assumes an amd64 host (GitHub-hosted).
 */
export function runnerNodes(runners: Record<string, string>, defaultRunner: string): { nodes: BuilderNode[]; hostPlatforms: string[] } {
  const nodes = Object.entries(runners).map(([platform, runner]) => ({ name: runner, platforms: [platform] }));
  const hostPlatforms = Object.entries(runners)
    .filter(([, runner]) => runner === defaultRunner)
    .map(([platform]) => platform);
  return { nodes, hostPlatforms };
}

/** Plan → matrix: a leg runs on the runner that builds it natively, else on the default runner. */
export function resolveMatrix(plan: Plan, runners: Record<string, string>, defaultRunner: string): Matrix {
  return {
    include: plan.platforms.map((p) => {
      // decide() names the node (runner) that builds a platform natively, variants included.
      const label = p.node ?? runners[p.platform] ?? defaultRunner;
      return { platform: p.platform, runner: parseRunner(label) };
    })
  };
}
