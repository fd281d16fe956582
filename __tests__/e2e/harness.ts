/**
 * Runs the bundled dist/ exactly as a GitHub runner does: INPUT_* (with action.yml defaults),
 * GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY and RUNNER_TEMP for main; then STATE_* from
 * the state file for post. Talks only to the local stack on loopback.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';

/** Jest runs from the repository root. */
export const ROOT = process.cwd();
export const REGISTRY = 'localhost:5000';
export const REGISTRY_URL = 'http://127.0.0.1:5000';

/** Named contexts that point the examples' idiomatic FROM lines at the stack's local base images. */
export const BASE_CONTEXTS = [
  'golang:1.19=docker-image://localhost:5000/library/golang:1.19',
  'busybox:1.35=docker-image://localhost:5000/library/busybox:1.35',
  'python:3.11-slim=docker-image://localhost:5000/library/python:3.11-slim',
  'node:18-slim=docker-image://localhost:5000/library/node:18-slim'
].join('\n');

export interface StepResult {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
}

export interface ActionRun {
  main: StepResult;
  post: StepResult;
  runnerTemp: string;
}

/** GitHub's file command format: `name<<DELIM\nvalue\nDELIM` (and plain `name=value`). */
export function parseFileCommands(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]!);
      out[name!] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

function actionDefaults(): Record<string, string> {
  const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }> };
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) {
    // The runner evaluates expressions; here the token expression has no value.
    if (spec.default !== undefined) out[name] = spec.default.includes('${{') ? '' : spec.default;
  }
  return out;
}

function inputEnv(inputs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...actionDefaults(), ...inputs })) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  return env;
}

function baseEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('INPUT_') && !k.startsWith('STATE_') && !k.startsWith('GITHUB_')) env[k] = v;
  }
  return { ...env, GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: ROOT, GITHUB_RUN_ID: String(process.pid), ...extra };
}

/**
 * Async on purpose: a test may serve HTTP from its own process (a token service, a stand-in
 * API), and a synchronous spawn would block the event loop that must answer the action.
 */
async function runStep(env: Record<string, string>, files: { output: string; state: string; summary: string }): Promise<StepResult> {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'index.js')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 900_000);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  clearTimeout(timer);
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
  return { code, stdout, stderr, outputs: parseFileCommands(read(files.output)), state: parseFileCommands(read(files.state)), summary: read(files.summary) };
}

/** main, then post with the state main saved, as the runner sequences them. */
export async function runAction(inputs: Record<string, string>, extraEnv: Record<string, string> = {}): Promise<ActionRun> {
  const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-temp-'));
  const files = { output: path.join(runnerTemp, 'output.txt'), state: path.join(runnerTemp, 'state.txt'), summary: path.join(runnerTemp, 'summary.md') };
  for (const f of Object.values(files)) fs.writeFileSync(f, '');
  const common = { RUNNER_TEMP: runnerTemp, GITHUB_OUTPUT: files.output, GITHUB_STATE: files.state, GITHUB_STEP_SUMMARY: files.summary, ...extraEnv };
  const main = await runStep(baseEnv({ ...inputEnv(inputs), ...common }), files);
  const stateEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(main.state)) stateEnv[`STATE_${k}`] = v;
  const postFiles = { ...files, output: path.join(runnerTemp, 'post-output.txt'), state: path.join(runnerTemp, 'post-state.txt') };
  for (const f of [postFiles.output, postFiles.state]) fs.writeFileSync(f, '');
  const post = await runStep(baseEnv({ ...inputEnv(inputs), ...common, ...stateEnv, GITHUB_OUTPUT: postFiles.output, GITHUB_STATE: postFiles.state }), postFiles);
  return { main, post, runnerTemp };
}

/** Fails (never skips) when the stack is missing: a skipped e2e test would hide a broken CI. */
export function requireStack(): void {
  try {
    execFileSync('docker', ['info'], { stdio: 'pipe' });
    execFileSync('docker', ['buildx', 'version'], { stdio: 'pipe' });
  } catch {
    throw new Error('the Docker stack is not running: run `bash scripts/stack.sh up` first (CI does this in .ci/run)');
  }
}

export async function requireRegistry(): Promise<void> {
  const res = await fetch(`${REGISTRY_URL}/v2/`).catch(() => undefined);
  if (!res || res.status !== 200) throw new Error(`no registry at ${REGISTRY_URL}: run \`bash scripts/stack.sh up\` first`);
}

export const INDEX_ACCEPT = 'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

/** GET a manifest straight from the registry API; undefined on 404. */
export async function registryManifest(repo: string, ref: string): Promise<{ digest: string; body: any } | undefined> {
  const res = await fetch(`${REGISTRY_URL}/v2/${repo}/manifests/${ref}`, { headers: { Accept: INDEX_ACCEPT } });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`registry answered ${res.status} for ${repo}:${ref}`);
  return { digest: res.headers.get('docker-content-digest') ?? '', body: await res.json() };
}

export function uniqueTag(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

export function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
}

/** `os/arch[/variant]` of each platform manifest in an index body, attestation manifests left out. */
export function indexPlatforms(index: { manifests: { platform?: { os: string; architecture: string; variant?: string }; annotations?: Record<string, string> }[] }): string[] {
  return index.manifests
    .filter((m) => m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest')
    .map((m) => [m.platform?.os, m.platform?.architecture, m.platform?.variant].filter(Boolean).join('/'));
}
