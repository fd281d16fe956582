// Runs a bundled action (ours or another) the way a GitHub runner does: INPUT_* with action.yml
// defaults, GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files, RUNNER_TEMP; then post with
// STATE_* read back from the state file. Timestamps every `::group::` / `::endgroup::` line as it
// arrives on stdout (a pipe: Node writes it synchronously), so a run can be split into phases.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse } from 'yaml';

/** GitHub's file command format: `name<<DELIM\nvalue\nDELIM` (and plain `name=value`). */
export function parseFileCommands(text) {
  const out = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]);
      out[name] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

/** action.yml defaults; expressions (the token) have no value outside a runner. */
export function actionDefaults(actionYml) {
  const action = parse(fs.readFileSync(actionYml, 'utf8'));
  const out = {};
  for (const [name, spec] of Object.entries(action.inputs ?? {})) {
    if (spec?.default !== undefined) out[name] = String(spec.default).includes('${{') ? '' : String(spec.default);
  }
  return out;
}

export function inputEnv(defaults, inputs) {
  const env = {};
  for (const [name, value] of Object.entries({ ...defaults, ...inputs })) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  return env;
}

/** The parent's environment without anything a runner would set per step. */
export function baseEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('INPUT_') && !k.startsWith('STATE_') && !k.startsWith('GITHUB_') && k !== 'RUNNER_TEMP') env[k] = v;
  }
  return { ...env, ...extra };
}

/**
 * Spawn `node script` and time it. Returns wall time (spawn → exit), the wall-clock ms at spawn,
 * stdout/stderr and group marks [{ name, start, end }] in wall-clock ms.
 */
export function runNode(script, { cwd, env, timeoutMs = 900_000 }) {
  return new Promise((resolve, reject) => {
    const groups = [];
    let open;
    let stdout = '';
    let stderr = '';
    let pending = '';
    const t0Wall = Date.now();
    const t0 = performance.now();
    const child = spawn(process.execPath, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      const now = Date.now();
      stdout += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        if (line.startsWith('::group::')) {
          open = { name: line.slice(9).trim(), start: now, end: undefined };
          groups.push(open);
        } else if (line.startsWith('::endgroup::') && open) {
          open.end = now;
          open = undefined;
        }
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let wallMs;
    let code;
    child.on('error', reject);
    child.on('exit', (c, signal) => {
      wallMs = performance.now() - t0;
      code = c ?? (signal ? 128 : -1);
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ code, wallMs, t0Wall, exitWall: t0Wall + wallMs, stdout, stderr, groups });
    });
  });
}

/**
 * main, then (after an optional hook that may inspect RUNNER_TEMP) post with the saved state.
 * The caller removes runnerTemp.
 */
export async function runAction({ root, script, actionYml, inputs, extraEnv = {}, beforePost }) {
  const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-runner-'));
  const files = { output: path.join(runnerTemp, 'output.txt'), state: path.join(runnerTemp, 'state.txt'), summary: path.join(runnerTemp, 'summary.md') };
  for (const f of Object.values(files)) fs.writeFileSync(f, '');
  const common = {
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: root,
    GITHUB_RUN_ID: String(process.pid),
    RUNNER_TEMP: runnerTemp,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    ...extraEnv
  };
  const inEnv = inputEnv(actionDefaults(actionYml), inputs);
  const main = await runNode(script, { cwd: root, env: baseEnv({ ...inEnv, ...common }) });
  main.outputs = parseFileCommands(fs.readFileSync(files.output, 'utf8'));
  main.state = parseFileCommands(fs.readFileSync(files.state, 'utf8'));
  const hook = beforePost ? await beforePost(runnerTemp, main) : undefined;
  const stateEnv = {};
  for (const [k, v] of Object.entries(main.state)) stateEnv[`STATE_${k}`] = v;
  const postFiles = { output: path.join(runnerTemp, 'post-output.txt'), state: path.join(runnerTemp, 'post-state.txt') };
  for (const f of Object.values(postFiles)) fs.writeFileSync(f, '');
  const post = await runNode(script, { cwd: root, env: baseEnv({ ...inEnv, ...common, ...stateEnv, GITHUB_OUTPUT: postFiles.output, GITHUB_STATE: postFiles.state }) });
  return { main, post, hook, runnerTemp };
}

/** Only the post step, with no state but isPost: the cheapest path through a bundle. */
export async function runEmptyPost({ cwd, script }) {
  const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cold-'));
  const files = { output: path.join(runnerTemp, 'output.txt'), state: path.join(runnerTemp, 'state.txt'), summary: path.join(runnerTemp, 'summary.md') };
  for (const f of Object.values(files)) fs.writeFileSync(f, '');
  try {
    return await runNode(script, {
      cwd,
      env: baseEnv({
        GITHUB_ACTIONS: 'true',
        GITHUB_WORKSPACE: runnerTemp,
        RUNNER_TEMP: runnerTemp,
        GITHUB_OUTPUT: files.output,
        GITHUB_STATE: files.state,
        GITHUB_STEP_SUMMARY: files.summary,
        STATE_isPost: 'true'
      }),
      timeoutMs: 60_000
    });
  } finally {
    fs.rmSync(runnerTemp, { recursive: true, force: true });
  }
}
