// build-push-action's own CI (.github/workflows/ci.yml) as yardstick cases: every step with
// `uses: ./` (or `./action`), one per matrix entry, with its `with:` block and env as the workflow
// gives them, and what this offline stack changes about each (STACK below). The workflow is read
// from the BPA checkout, so a newer BPA brings its new cases; a job this table does not know runs
// with the default adaptation and is flagged in the report.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

/** The local base images the BPA test Dockerfiles' FROM lines are pointed at (named contexts). */
export const BASE_CONTEXTS = {
  alpine: 'docker-image://localhost:5000/library/python:3.11-slim',
  busybox: 'docker-image://localhost:5000/library/busybox:1.35',
  'golang:alpine': 'docker-image://localhost:5000/library/golang:1.19',
  debian: 'docker-image://localhost:5000/library/python:3.11-slim'
};

/**
 * Per job: how it runs on this stack. `skip` says why it cannot; `engine` picks the Docker engine
 * (BPA's CI jobs without setup-buildx-action use the runner's docker driver on the classic store);
 * `git` serves the repository from a loopback git server for jobs that build the default Git
 * context; `dockerHost`/`dockerConfig` stand in for a stopped daemon and a malformed config.
 * `entry` says why a matrix entry is not run (another entry is the same run here, or it needs
 * what the stack lacks); undefined runs it.
 */
export const STACK = {
  minimal: { git: true },
  'git-context': { git: true },
  'git-context-query': { git: true },
  'git-context-secret': { git: true },
  'path-context': {},
  example: {},
  error: { dockerHost: 'unix:///tmp/bpa-yardstick-no-dockerd.sock', note: 'the daemon is "stopped" by pointing DOCKER_HOST at a socket nobody listens on (stopping the shared dockerd is not an option)' },
  'error-buildx': { pushTo: 'localhost:5999', note: 'BPA\'s job has no registry service, so its push fails; here the tag points at 127.0.0.1:5999 where nothing listens' },
  'docker-driver': { engine: 'docker28-classic' },
  'export-docker': { engine: 'docker28-classic' },
  secret: {},
  'secret-files': {},
  'secret-envs': {},
  network: {},
  'shm-size': {},
  ulimit: {},
  'cgroup-parent': {},
  'add-hosts': {},
  'no-cache-filters': {},
  'attests-compat': { entry: (m) => (m.buildx === 'edge' ? undefined : 'the same run here as attests-compat(edge): this stack has one buildx (0.29.1) and the engine\'s BuildKit, not the matrix\'s versions') },
  provenance: {},
  sbom: { skip: 'sbom: true runs BuildKit\'s SBOM scanner image (docker/buildkit-syft-scanner) from Docker Hub' },
  multi: { entry: (m) => (m.dockerfile === 'multi' ? undefined : 'multi-sudo.Dockerfile runs `apk add shadow sudo` (the internet)') },
  digest: { engine: 'docker28-classic', entry: (m) => (m.driver === 'docker' ? undefined : 'driver: docker-container needs moby/buildkit from Docker Hub'), note: 'driver: docker, on the classic store as on a hosted runner' },
  'registry-cache': {},
  'github-cache': {},
  'local-cache': { note: 'the actions/cache step is left out: the cache directory starts empty' },
  standalone: { skip: 'uninstalls the docker CLI from the runner (the shared stack\'s)' },
  'named-context-pin': {},
  'named-context-docker': { engine: 'docker28-classic' },
  'named-context-container': {},
  'docker-config-malformed': { dockerConfig: 'foo_bar', engine: 'docker28-classic' },
  'proxy-docker-config': { skip: 'needs a squid proxy container and the internet (curl https://www.google.com)' },
  'proxy-buildkitd': { skip: 'needs a squid proxy container and the internet (curl https://www.google.com)' },
  annotations: {},
  'multi-output': {},
  'load-and-push': {},
  'summary-disable': { git: true },
  'summary-not-supported': { git: true, engine: 'docker26-containerd', note: 'BPA\'s job pins buildx v0.12.1; here the Docker 26 engine\'s buildx 0.13.1 (also < 0.23, so also "summary not supported")' },
  'record-upload-disable': { git: true },
  'record-retention-days': { git: true },
  checks: { entry: (m) => (m['buildx-version'] === 'edge' ? undefined : m['buildx-version'] === 'latest' ? 'the same run here as checks(edge): buildx 0.29.1' : `buildx ${m['buildx-version']} is not on this stack`) },
  'annotations-disabled': {},
  'call-check': {},
  'no-default-attestations': { git: true }
};

/** Matrix entries as GitHub expands them: the axes' product, minus `exclude`, plus `include`. */
export function expandMatrix(matrix) {
  if (!matrix) return [{}];
  const { include = [], exclude = [], ...axes } = matrix;
  let combos = Object.keys(axes).length ? [{}] : [];
  for (const [name, values] of Object.entries(axes)) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  const matches = (c, pattern) => Object.entries(pattern).every(([k, v]) => String(c[k]) === String(v));
  combos = combos.filter((c) => !exclude.some((e) => matches(c, e)));
  for (const inc of include) {
    // An include that matches no original combination is a combination of its own.
    const extended = combos.filter((c) => Object.keys(axes).every((k) => !(k in inc) || String(c[k]) === String(inc[k])));
    if (extended.length && Object.keys(axes).length) extended.forEach((c) => Object.assign(c, inc));
    else combos.push({ ...inc });
  }
  return combos.length ? combos : [{}];
}

/** A label for a matrix entry: its values, in the workflow's order. */
export function matrixLabel(entry) {
  const values = Object.values(entry).filter((v) => v !== '');
  return values.length ? `(${values.join(', ')})` : '';
}

/**
 * The job runs of BPA's ci.yml: per job and matrix entry, the `uses: ./` steps in order, the job's
 * env, the checkout path, and the job's STACK entry. Entries not run here are kept, with why,
 * so the report counts them.
 */
export function loadJobRuns(bpaDir) {
  const workflow = parse(fs.readFileSync(path.join(bpaDir, '.github', 'workflows', 'ci.yml'), 'utf8'));
  const runs = [];
  for (const [job, def] of Object.entries(workflow.jobs)) {
    const steps = def.steps ?? [];
    const actionSteps = steps.map((s, i) => ({ ...s, index: i })).filter((s) => s.uses === './' || s.uses === './action');
    if (!actionSteps.length) continue;
    const checkout = steps.find((s) => String(s.uses ?? '').startsWith('actions/checkout'));
    const stack = STACK[job] ?? { unknown: true };
    for (const entry of expandMatrix(def.strategy?.matrix)) {
      const notRun = stack.entry?.(entry);
      runs.push({
        job,
        matrix: entry,
        label: `${job}${matrixLabel(entry)}`,
        env: { ...(workflow.env ?? {}), ...(def.env ?? {}) },
        checkoutPath: checkout?.with?.path ?? '',
        setupBuildx: steps.find((s) => String(s.uses ?? '').startsWith('docker/setup-buildx-action'))?.with ?? undefined,
        steps: actionSteps.map((s) => ({ name: s.name ?? '', id: s.id, with: s.with ?? {}, env: s.env ?? {}, continueOnError: !!s['continue-on-error'] })),
        stack,
        ...(notRun ? { notRun } : {})
      });
    }
  }
  return runs;
}

/**
 * `${{ … }}` as the runner would evaluate it for this run: matrix values, env, the metadata
 * step's recorded outputs, `github.token`, and `github.event_name` (a push to master). `||` and
 * `!=` with a string literal are the only operators ci.yml uses in a `with:` block.
 */
export function evaluate(text, ctx) {
  return String(text).replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_m, expr) => String(evalExpr(expr, ctx)));
}

function evalExpr(expr, ctx) {
  const or = expr.split('||').map((s) => s.trim());
  if (or.length > 1) return or.map((e) => evalExpr(e, ctx)).find((v) => v !== '' && v !== undefined) ?? '';
  const ne = /^(.+?)\s*!=\s*'([^']*)'$/.exec(expr);
  if (ne) return String(evalExpr(ne[1], ctx)) !== ne[2];
  const [head, ...rest] = expr.split('.');
  if (head === 'matrix') return ctx.matrix[rest.join('.')] ?? '';
  if (head === 'env') return ctx.env[rest.join('.')] ?? '';
  if (head === 'inputs') return '';
  if (expr === 'github.token') return ctx.token;
  if (expr === 'github.event_name') return 'push';
  if (head === 'steps') {
    const [id, , name] = rest;
    // setup-buildx-action is not run (it needs moby/buildkit from Docker Hub): the default builder.
    if (id === 'buildx') return '';
    if (id === 'meta') return ctx.meta[name] ?? '';
  }
  throw new Error(`cannot evaluate \${{ ${expr} }} here`);
}

/** docker/metadata-action's outputs for a push to master at `sha`, with ci.yml's tag rules. */
export function metadataOutputs(image, sha, created) {
  const labels = {
    'org.opencontainers.image.title': 'build-push-action',
    'org.opencontainers.image.description': 'GitHub Action to build and push Docker images with Buildx',
    'org.opencontainers.image.url': 'https://github.com/docker/build-push-action',
    'org.opencontainers.image.source': 'https://github.com/docker/build-push-action',
    'org.opencontainers.image.version': 'master',
    'org.opencontainers.image.created': created,
    'org.opencontainers.image.revision': sha,
    'org.opencontainers.image.licenses': 'Apache-2.0'
  };
  return {
    tags: [`${image}:master`, `${image}:sha-${sha.slice(0, 7)}`].join('\n'),
    labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join('\n'),
    version: 'master'
  };
}

/**
 * The inputs both actions get for a step on this stack: the workflow's, with local registry
 * repositories kept apart per action (`localhost:5000/<ns>/…`), /tmp paths in the scratch dir,
 * Docker Hub base images as named contexts of the local ones, and `network: host` (the stack's
 * engines have no bridge network). Returns the inputs and what was changed, for the report.
 */
export function adaptInputs(inputs, { namespace, scratch, pushTo }) {
  const changed = [];
  const out = {};
  for (const [name, raw] of Object.entries(inputs)) {
    let value = String(raw);
    value = value.replace(/localhost:5000\//g, `${pushTo ?? 'localhost:5000'}/${namespace}/`);
    value = value.replace(/(^|[\s=,])\/tmp\//g, `$1${scratch}/`);
    value = value.replace(/docker-image:\/\/alpine:edge/g, () => {
      changed.push('alpine:edge → the local python:3.11-slim');
      return BASE_CONTEXTS.alpine;
    });
    out[name] = value;
  }
  const named = (out['build-contexts'] ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
  const given = new Set(named.map((l) => l.slice(0, l.indexOf('='))));
  for (const [name, source] of Object.entries(BASE_CONTEXTS)) if (!given.has(name)) named.push(`${name}=${source}`);
  out['build-contexts'] = named.join('\n');
  if (!out.network) out.network = 'host';
  return { inputs: out, changed };
}

/**
 * The BPA tree as both actions see it: `# syntax=` lines removed (the dockerfile frontend image
 * cannot be pulled here) and, in test/go/Dockerfile, the `apk add file git` line (the packages
 * come from the internet; the Go build does not use them).
 */
export function writeWorkTree(bpaDir, dest) {
  fs.mkdirSync(dest, { recursive: true });
  fs.cpSync(path.join(bpaDir, 'test'), path.join(dest, 'test'), { recursive: true });
  for (const file of walk(path.join(dest, 'test'))) {
    if (!/Dockerfile$/.test(file)) continue;
    const text = fs.readFileSync(file, 'utf8');
    const adapted = text
      .split('\n')
      .filter((l) => !/^#\s*syntax=/.test(l) && !/^RUN apk add --no-cache file git$/.test(l.trim()))
      .join('\n');
    fs.writeFileSync(file, adapted);
  }
}

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
