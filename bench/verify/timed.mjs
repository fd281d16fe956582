// The timed section of `npm run bench:verify` (bench/verify.mjs), run as
//   flock /tmp/multiarch-bench.lock node bench/verify/timed.mjs JOB.json
// so that no other benchmark on this machine runs at the same time. Reads the job (bundle path,
// registry, image copies, layout), writes one JSON result on stdout, progress on stderr.
//
// Per run, on that run's cold copy of the image (no layer of it is in the local content store):
//   verify    verifyImage through a new RegistryClient (what `push: true` checks), bytesRead()
//   layout    verifyImage on an OCI layout of the same image (what `push: false` checks)
//   pull      per platform: docker pull --platform P, docker create --platform P, the entrypoint
//             from docker container inspect, docker cp of it to a temp dir, read its ELF header;
//             docker rm after (timed apart), docker image rm between runs (not timed)
// The order of verify and pull alternates between runs. Bytes are also counted on the registry's
// side from its access log (GET responses for the repository), when the log is readable.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const lib = await import(job.bundle);
const started = Date.now();
const log = (m) => process.stderr.write(`[timed ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${m}\n`);

const ELF_MACHINES = { 62: 'amd64', 183: 'arm64', 40: 'arm', 3: '386', 243: 'riscv64', 21: 'ppc64le', 22: 's390x' };

function docker(args) {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 }).trim();
}

/** Registry-side bytes: GET responses for `repo` logged after byte `offset` of the access log. */
function registryBytes(offset, userAgent) {
  if (!job.registryLog || offset === null) return null;
  const fd = fs.openSync(job.registryLog, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(Math.max(0, size - offset));
    fs.readSync(fd, buf, 0, buf.length, offset);
    const repo = job.repo.replace(/[.*+?^$()|[\]\\/{}]/g, '\\$&');
    const line = new RegExp(`^\\S+ - \\S+ \\[[^\\]]+\\] "GET /v2/${repo}/(?:manifests|blobs)/\\S+ HTTP/[\\d.]+" 2\\d\\d (\\d+) "[^"]*" "([^"]*)"`);
    let bytes = 0;
    let requests = 0;
    for (const l of buf.toString('utf8').split('\n')) {
      const m = line.exec(l);
      if (m && userAgent.test(m[2])) {
        bytes += Number(m[1]);
        requests++;
      }
    }
    return { bytes, requests };
  } finally {
    fs.closeSync(fd);
  }
}

const logOffset = () => (job.registryLog ? fs.statSync(job.registryLog).size : null);
const settle = () => new Promise((r) => setTimeout(r, 300));

async function verifyRun(copy) {
  const offset = logOffset();
  const t = await lib.timeVerify(job.registry, job.repo, copy.tag, job.platforms);
  await settle();
  return { ...t, registry: registryBytes(offset, /^multiarch/) };
}

async function pullRun(copy) {
  const ref = `${job.registry}/${job.repo}:${copy.tag}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-verify-cp-'));
  const offset = logOffset();
  const platforms = [];
  let ms = 0;
  let rmMs = 0;
  try {
    for (const platform of job.platforms) {
      const t0 = performance.now();
      docker(['pull', '--quiet', '--platform', platform, ref]);
      const ctr = docker(['create', '--platform', platform, ref]);
      const [entrypoint] = JSON.parse(docker(['container', 'inspect', '--format', '{{json .Config.Entrypoint}}', ctr]));
      const out = path.join(dir, platform.replace(/\//g, '-'));
      docker(['cp', `${ctr}:${entrypoint}`, out]);
      const header = Buffer.alloc(20);
      const fd = fs.openSync(out, 'r');
      fs.readSync(fd, header, 0, 20, 0);
      fs.closeSync(fd);
      const t1 = performance.now();
      docker(['rm', ctr]);
      rmMs += performance.now() - t1;
      ms += t1 - t0;
      const elf = header.readUInt32BE(0) === 0x7f454c46;
      const machine = elf ? ELF_MACHINES[header.readUInt16LE(18)] ?? `e_machine ${header.readUInt16LE(18)}` : 'not ELF';
      platforms.push({ platform, entrypoint, machine, ms: t1 - t0 });
    }
  } finally {
    // Keep the next run cold: the image goes (its layers are unique to this copy anyway).
    try {
      docker(['image', 'rm', ref]);
    } catch {
      // already gone
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await settle();
  return { ms, rmMs, platforms, registry: registryBytes(offset, /^docker\//) };
}

const runs = [];
for (const [i, copy] of job.copies.entries()) {
  const warmup = i === 0;
  const order = i % 2 === 0 ? ['verify', 'pull'] : ['pull', 'verify'];
  const run = { copy: copy.tag, warmup, order };
  for (const what of order) run[what] = what === 'verify' ? await verifyRun(copy) : await pullRun(copy);
  run.layout = await lib.timeVerifyLayout(job.layout.dir, job.layout.digest, job.platforms);
  log(`${warmup ? 'warm-up' : `run ${i}`}: verify ${run.verify.ms.toFixed(0)} ms / ${run.verify.bytesRead} B, layout ${run.layout.ms.toFixed(0)} ms, pull-based ${run.pull.ms.toFixed(0)} ms (${run.pull.platforms.map((p) => `${p.platform} → ${p.machine}`).join(', ')})`);
  runs.push(run);
}

process.stdout.write(JSON.stringify({ startedAt: new Date(started).toISOString(), load: os.loadavg(), runs }) + '\n');
