// One timed build: plain `docker buildx build`, or the multiarch CLI. Each returns its wall time,
// and what its log or JSON says per platform.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Spawn and time a command; stdout/stderr kept, and every output line stamped with its arrival (ms since spawn). */
export function timed(cmd, args, { cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const lines = [];
    let partial = '';
    const stamp = (chunk) => {
      const t = performance.now() - t0;
      const parts = (partial + chunk).split('\n');
      partial = parts.pop();
      for (const l of parts) lines.push({ t, l });
    };
    child.stdout.on('data', (d) => {
      stdout += d;
      stamp(d.toString());
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      stamp(d.toString());
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (partial) lines.push({ t: performance.now() - t0, l: partial });
      resolve({ code, wallMs: performance.now() - t0, stdout, stderr, lines });
    });
  });
}

/**
 * Per platform, from BuildKit's plain progress: seconds of the `RUN go build` step (BuildKit's
 * own `#N DONE 12.3s`) and when (ms since spawn) the platform's last step finished. Vertices of a
 * single-platform build have no platform in their title; they go under `single`.
 */
export function parsePlainLog(lines, single) {
  const titles = new Map();
  const out = {};
  const entry = (p) => (out[p] ??= { goBuildSeconds: null, copySourcesSeconds: null, lastStepDoneAtMs: null });
  let exportSeconds = 0;
  for (const { t, l } of lines) {
    const title = /^#(\d+) (\[.*)$/.exec(l);
    if (title && !titles.has(title[1])) titles.set(title[1], title[2]);
    const done = /^#(\d+) DONE (\d+(?:\.\d+)?)s\s*$/.exec(l);
    if (!done) continue;
    const text = titles.get(done[1]);
    const secs = Number(done[2]);
    if (!text) {
      continue;
    }
    const m = /^\[(linux\/[a-z0-9]+(?:\/v\d)?) /.exec(text);
    const platform = m ? m[1] : single;
    if (!platform) continue;
    const e = entry(platform);
    if (/\] RUN .*go build/.test(text)) e.goBuildSeconds = secs;
    if (/\] COPY src\/ /.test(text)) e.copySourcesSeconds = secs;
    e.lastStepDoneAtMs = Math.round(t);
  }
  for (const { l } of lines) {
    const id = /^#(\d+) exporting to oci/.exec(l);
    if (id) titles.set(`export:${id[1]}`, true);
    const done = /^#(\d+) DONE (\d+(?:\.\d+)?)s\s*$/.exec(l);
    if (done && titles.has(`export:${done[1]}`)) exportSeconds += Number(done[2]);
  }
  return { platforms: out, exportSeconds };
}

/** `docker buildx build` as build-push-action runs it: one invocation for all platforms. */
export async function plainBuildx({ root, ctx, file, platforms, buildContexts, dest }) {
  const args = ['buildx', 'build', '--progress=plain', '--platform', platforms.join(','), '--network', 'host', '--no-cache'];
  for (const bc of buildContexts) args.push('--build-context', bc);
  args.push('--file', file, '--output', `type=oci,dest=${dest}`, ctx);
  const r = await timed('docker', args, { cwd: root });
  const parsed = parsePlainLog(r.lines, platforms.length === 1 ? platforms[0] : undefined);
  const tarBytes = fs.existsSync(dest) ? fs.statSync(dest).size : 0;
  fs.rmSync(dest, { force: true });
  // On the shared daemon, another user's `docker buildx prune --all` can fail a build that has
  // already exported everything: "ERROR: failed to solve: not found" right after `sending
  // tarball … done`. The build did all its work, so its time counts; the error is kept.
  const log = r.stdout + r.stderr;
  const exported = parsed.exportSeconds > 0 && /sending tarball [\d.]+s done/.test(log) && tarBytes > 0;
  const afterExport = r.code !== 0 && exported && /ERROR: failed to solve: not found\s*$/.test(log.trim());
  return {
    command: `docker ${args.join(' ')}`,
    ok: r.code === 0 || afterExport,
    failedAfterExport: afterExport ? tail(log, 3) : undefined,
    tarBytes,
    exitCode: r.code,
    wallMs: Math.round(r.wallMs),
    perPlatform: parsed.platforms,
    exportSeconds: Math.round(parsed.exportSeconds * 10) / 10,
    error: r.code === 0 || afterExport ? null : tail(log)
  };
}

/** `multiarch build … --json`: legs per platform, merge, verify; per-leg durations from its JSON. */
export async function multiarchBuild({ root, cli, ctx, file, platforms, buildContexts, out, crossCompile }) {
  const args = [cli, 'build', ctx, '--file', file, '--platforms', platforms.join(','), '--network', 'host'];
  for (const bc of buildContexts) args.push('--build-context', bc);
  args.push('--no-cache', '--cross-compile', crossCompile, '--out', out, '--json');
  const r = await timed(process.execPath, args, { cwd: root });
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    report = undefined;
  }
  fs.rmSync(out, { recursive: true, force: true });
  fs.rmSync(`${out}.summary.md`, { force: true });
  const perPlatform = {};
  for (const p of report?.platforms ?? []) {
    const elf = (p.checks ?? []).find((c) => /elf|entrypoint|machine/i.test(c.name ?? ''));
    perPlatform[p.platform] = {
      strategy: p.strategy,
      legMs: p.durationMs,
      startedAt: p.startedAt ?? null,
      built: p.built,
      verified: p.verified,
      checks: (p.checks ?? []).map((c) => ({ name: c.name, ok: c.ok, skipped: c.skipped ?? false, expected: c.expected ?? null, actual: c.actual ?? null })),
      entrypointCheck: elf ? { name: elf.name, ok: elf.ok, expected: elf.expected ?? null, actual: elf.actual ?? null } : null
    };
  }
  const ok = r.code === 0 && !!report && !report.error;
  return {
    command: `node ${['bin/multiarch.js', ...args.slice(1)].join(' ')}`,
    ok,
    exitCode: r.code,
    wallMs: Math.round(r.wallMs),
    index: report?.index ?? null,
    perPlatform,
    error: ok ? null : report?.error ?? tail(r.stdout + r.stderr),
    warnings: r.stderr.split('\n').filter((l) => l.startsWith('warning:')).slice(0, 10)
  };
}

function tail(text, n = 25) {
  return text.split('\n').filter((l) => l.trim()).slice(-n).join('\n');
}
