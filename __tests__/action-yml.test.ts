/** action.yml, the input table in src/ and README must say the same thing. */
import * as fs from 'node:fs';
import { parse } from 'yaml';
import { INPUTS } from '../src/input-spec.js';

interface ActionYml {
  runs: { using: string; main: string; post: string };
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string }>;
}
const action = parse(fs.readFileSync('action.yml', 'utf8')) as ActionYml;

test('runs main and post from one node24 bundle', () => {
  expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js', post: 'dist/index.js' });
});

test('action.yml inputs are exactly the inputs config reads, with the same defaults', () => {
  expect(Object.keys(action.inputs)).toEqual(INPUTS.map((i) => i.name));
  for (const spec of INPUTS) {
    expect({ name: spec.name, default: action.inputs[spec.name]!.default }).toEqual({ name: spec.name, default: spec.default });
  }
});

test('keeps every build-push-action input that still makes sense, under the same name', () => {
  const bpa = ['context', 'file', 'platforms', 'tags', 'labels', 'annotations', 'build-args', 'build-contexts', 'secrets', 'secret-files', 'secret-envs', 'ssh', 'target', 'push', 'load', 'outputs', 'cache-from', 'cache-to', 'no-cache', 'no-cache-filters', 'pull', 'network', 'add-hosts', 'shm-size', 'ulimit', 'provenance', 'sbom', 'attests', 'allow', 'builder', 'github-token'];
  for (const name of bpa) expect(Object.keys(action.inputs)).toContain(name);
  for (const out of ['digest', 'imageid', 'metadata', 'platforms', 'plan']) expect(Object.keys(action.outputs)).toContain(out);
});

test('README documents every input and output of action.yml', () => {
  const readme = fs.readFileSync('README.md', 'utf8');
  const inputsTable = readme.slice(readme.indexOf('| Input | Default | Description |'), readme.indexOf('| Output | Description |'));
  const rows = new Map<string, string>();
  for (const m of inputsTable.matchAll(/^\| `([a-z-]+)` \| ([^|]*) \|/gm)) rows.set(m[1]!, m[2]!.trim());
  for (const [name, spec] of Object.entries(action.inputs)) {
    expect({ name, documented: rows.has(name) }).toEqual({ name, documented: true });
    const def = spec.default === undefined ? '' : spec.default.split('\n').map((l) => `\`${l}\``).join('<br>');
    expect({ name, default: rows.get(name) }).toEqual({ name, default: def });
  }
  for (const name of Object.keys(action.outputs)) expect(readme).toContain(`| \`${name}\` |`);
});

test('README carries the language table the planner uses', async () => {
  const { renderLanguageTable } = await import('../src/plan/languages.js');
  expect(fs.readFileSync('README.md', 'utf8')).toContain(renderLanguageTable());
});
