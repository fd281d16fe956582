#!/usr/bin/env node
// `npm run bench:sign` (bench/sign.mjs): what signing costs for a 2-platform push (GitHub issue
// #10), i.e. what src/stages/sign.ts adds between verification and tags: the ID token, one
// Fulcio certificate, three signatures (the index and both platform manifests), each logged in
// Rekor and timestamped by a TSA, checked against the trusted root, and stored as an OCI referrer.
//
// Sigstore and the ID-token endpoint are the test STAND-INS on loopback (__tests__/stack/
// sigstore.ts, id-token.ts): the figure is multiarch's own work plus loopback round trips, not
// the public-good instance's latency (a few hundred ms per request from a hosted runner, which
// the network, not multiarch, decides). Two registries:
//
//   tag schema     the real stack registry (distribution 2.8, no referrers API): each referrer
//                  also reads and rewrites the sha256-<hex> tag index
//   referrers API  the in-memory OCI 1.1 registry stand-in (OCI-Subject): one PUT per referrer
//
// Writes bench/results/sign.json and bench/results/sign.md.
// Environment: BENCH_SIGN_RUNS=10 (timed runs per case, after one warm-up run).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { acquireLock, LOCK_FILE } from './lib/lock.mjs';
import { loadavg, machineFacts } from './lib/machine.mjs';
import { resultFiles, ROOT, writeResults } from './lib/report.mjs';
import { REGISTRY, REGISTRY_URL } from './lib/stack.mjs';
import { fmtBytes, fmtMs, fmtStat, summarize } from './lib/stats.mjs';

const RUNS = /^\d+$/.test(process.env.BENCH_SIGN_RUNS ?? '') && Number(process.env.BENCH_SIGN_RUNS) > 0 ? Number(process.env.BENCH_SIGN_RUNS) : 10;
const t0 = performance.now();
const log = (m) => process.stderr.write(`[bench-sign ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);

const ping = await fetch(`${REGISTRY_URL}/v2/`).catch(() => undefined);
if (!ping || ping.status !== 200) throw new Error(`no registry at ${REGISTRY_URL}: run \`bash scripts/stack.sh up\` first`);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sign-'));
let stand;
try {
  log('bundling bench/sign/lib.ts (src/ signing + the stand-ins) with ncc');
  const bundleDir = path.join(tmp, 'lib');
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'ncc'), ['build', 'bench/sign/lib.ts', '-o', bundleDir, '--quiet', '--target', 'es2022'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  fs.writeFileSync(path.join(bundleDir, 'package.json'), '{"type":"module"}\n');
  const lib = await import(pathToFileURL(path.join(bundleDir, 'index.js')).href);
  stand = await lib.setUp();

  const cases = [
    { name: 'tag schema', registry: REGISTRY, note: 'real registry, referrers kept in the `sha256-<hex>` tag index', rekor: true, tsa: true },
    { name: 'referrers API', registry: stand.oci.registry, note: 'OCI 1.1 registry stand-in (OCI-Subject)', rekor: true, tsa: true },
    { name: 'referrers API, Rekor only', registry: stand.oci.registry, note: 'no TSA', rekor: true, tsa: false }
  ];
  const loadStart = loadavg();
  const lock = await acquireLock(1800, log);
  const lockedAt = performance.now();
  const results = [];
  try {
    for (const c of cases) {
      const samples = [];
      for (let i = 0; i <= RUNS; i++) {
        // A fresh image each run: nothing signed yet, as after a real verification.
        const repo = `bench-sign/app`;
        const image = await lib.pushImage(c.registry, repo, `${Date.now()}-${i}-${Math.random()}`);
        const s = await lib.timeSigning(stand, c.registry, repo, image, c);
        if (i > 0) samples.push(s);
        else log(`${c.name}: warm-up ${fmtMs(s.totalMs)}`);
      }
      const stat = (k) => summarize(samples.map((s) => s[k]));
      results.push({ ...c, registry: c.registry === REGISTRY ? REGISTRY : 'stand-in', total: stat('totalMs'), first: stat('firstSignatureMs'), store: stat('storeMs'), required: stat('requiredMs'), written: stat('bytesWritten'), read: stat('bytesRead'), requests: { fulcio: samples[0].fulcio, rekor: samples[0].rekor, tsa: samples[0].tsa }, via: [...new Set(samples.flatMap((s) => s.via))], samples });
      log(`${c.name}: ${fmtStat(results.at(-1).total)}`);
    }
  } finally {
    lock.release();
  }
  const out = {
    generated: new Date().toISOString(),
    command: 'node bench/sign.mjs',
    machine: machineFacts(),
    load: { start: loadStart, end: loadavg() },
    lock: { file: LOCK_FILE, waitedMs: Math.round(lockedAt - t0) },
    runs: RUNS,
    digests: 3,
    cases: results
  };
  const written = writeResults(resultFiles('sign'), out, markdown(out));
  log(`wrote ${written.join(', ')}`);
} finally {
  await stand?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}

function markdown(r) {
  const m = r.machine;
  const lines = [
    '# Signing benchmark',
    '',
    `Generated ${r.generated} by \`${r.command}\`. Node ${m.node}, ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, kernel ${m.kernel}. Load average at start ${r.load.start.join(' / ')}, at the end ${r.load.end.join(' / ')}. Timed section under \`flock ${r.lock.file}\`.`,
    '',
    `What the sign stage adds to a verified 2-platform push: ${r.digests} digests (the index and both platform manifests), one ID token, one Fulcio certificate, one signature per digest (logged in Rekor and/or timestamped), each bundle checked against the trusted root with @sigstore/verify, then stored as an OCI 1.1 referrer. Fulcio, Rekor, the TSA and the ID-token endpoint are the loopback **stand-ins**: these are multiarch's own costs plus loopback round trips; against the public-good instance add its network latency (about ${r.cases[0].requests.fulcio + r.cases[0].requests.rekor + r.cases[0].requests.tsa} + 1 requests to Sigstore and the token endpoint per run).`,
    '',
    `Times are median (min – max) over ${r.runs} runs after 1 warm-up; each run signs a freshly pushed image.`,
    '',
    '| Case | Registry | Whole signing step (3 digests) | First digest (token, certificate, sign, store) | Of which storing referrers | Bytes up / down | Sigstore requests (Fulcio / Rekor / TSA) | Stored via | `verify-signatures` after it (3 digests read back, verified) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |'
  ];
  for (const c of r.cases) {
    lines.push(`| ${c.name} | ${c.note} | **${fmtStat(c.total)}** | ${fmtStat(c.first)} | ${fmtStat(c.store)} | ${fmtBytes(c.written.median)} / ${fmtBytes(c.read.median)} | ${c.requests.fulcio} / ${c.requests.rekor} / ${c.requests.tsa} | ${c.via.join(', ')} | ${fmtStat(c.required)} |`);
  }
  lines.push('', 'One Fulcio certificate serves the whole run (one request however many platforms); Rekor and the TSA are asked once per digest. `verify-signatures` makes no Sigstore request: it lists each digest\'s referrers, fetches the bundles and verifies them offline against the trusted root.', '');
  return lines.join('\n');
}
