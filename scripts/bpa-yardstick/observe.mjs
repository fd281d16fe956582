// What a step did, observed the same way for both actions: its outcome and first error, the
// BPA outputs it set, what the registry serves under each tag it names, which images the engine
// holds, which files it wrote, the build-record artifacts it uploaded, its check annotations and
// whether it wrote a summary. Two observations compare key by key.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

const INDEX_ACCEPT = 'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

/** The keys two observations are compared on, and how each is named in the report. */
export const COMPARED = ['outcome', 'digest', 'imageid', 'registry', 'engine', 'files', 'record', 'annotations'];

/** Registry references, engine image names and file destinations a step's inputs name. */
export function targetsOf(inputs) {
  const tags = (inputs.tags ?? '').split(/[\n,]/).map((t) => t.trim()).filter(Boolean);
  const registry = new Set();
  const engine = new Set();
  const files = new Set();
  const push = inputs.push === 'true';
  const load = inputs.load === 'true';
  for (const tag of tags) {
    if (push && /^localhost:\d+\//.test(tag)) registry.add(tag);
    if (load) engine.add(tag);
  }
  for (const out of (inputs.outputs ?? '').split('\n').map((l) => l.trim()).filter(Boolean)) {
    if (!out.includes('=')) {
      files.add(out);
      continue;
    }
    const attrs = Object.fromEntries(out.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    const names = (attrs.name ?? '').split(/[,]/).filter(Boolean);
    if (attrs.dest) files.add(attrs.dest);
    if ((attrs.type === 'image' || attrs.type === 'registry') && (attrs.push === 'true' || attrs.type === 'registry')) names.forEach((n) => registry.add(n));
    if (attrs.type === 'docker' && !attrs.dest) (names.length ? names : tags).forEach((n) => engine.add(n));
  }
  return { registry: [...registry], engine: [...engine], files: [...files] };
}

/** What the registry serves under `ref`: the platforms of an index, `image` for one manifest, or `absent`. */
export async function registryState(ref) {
  const m = /^(localhost:\d+)\/(.+):([^:/]+)$/.exec(ref);
  if (!m) return 'not a local reference';
  const url = `http://${m[1].replace('localhost', '127.0.0.1')}/v2/${m[2]}/manifests/${m[3]}`;
  const res = await fetch(url, { headers: { Accept: INDEX_ACCEPT } }).catch((err) => ({ status: 0, statusText: err.message }));
  if (res.status === 404) return 'absent';
  if (res.status !== 200) return `unreachable (${res.status || res.statusText})`;
  const body = await res.json();
  if (!body.manifests) return 'image';
  const platforms = body.manifests.map((d) => d.platform).filter((p) => p && p.architecture !== 'unknown').map((p) => `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`);
  const attestations = body.manifests.length - platforms.length;
  return `index [${platforms.sort().join(', ')}]${attestations ? ` +${attestations} att.` : ''}`;
}

/** The engine's image under `name`: its platform, or `absent`. */
export function engineState(name, env) {
  try {
    const out = execFileSync('docker', ['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', name], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    return out.trim();
  } catch {
    return 'absent';
  }
}

/** A file or directory a step wrote: `dir (n entries)`, `file`, or `absent`. */
export function fileState(p) {
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (!stat) return 'absent';
  return stat.isDirectory() ? `dir (${fs.readdirSync(p).length} entries)` : 'file';
}

/** The first `::error::` line (or the last stderr line) of a failed step, shortened. */
export function firstError(step) {
  const line = step.stdout.split('\n').find((l) => l.startsWith('::error')) ?? step.stderr.trim().split('\n').pop() ?? '';
  return line.replace(/^::error[^:]*::/, '').replace(/%0A/g, ' ').slice(0, 160);
}

/** One step's observation. `artifacts` are the .dockerbuild names uploaded while it ran. */
export async function observe(run, inputs, { env, artifacts }) {
  const targets = targetsOf(inputs);
  const registry = {};
  for (const ref of targets.registry) registry[ref] = await registryState(ref);
  const engine = {};
  for (const name of targets.engine) engine[name] = engineState(name, env);
  const files = {};
  for (const f of targets.files) files[f] = fileState(f);
  const ok = run.main.code === 0;
  return {
    outcome: ok ? 'success' : 'failure',
    error: ok ? undefined : firstError(run.main),
    digest: run.main.outputs.digest ? 'set' : 'empty',
    imageid: run.main.outputs.imageid ? 'set' : 'empty',
    registry,
    engine,
    files,
    record: artifacts.length ? `${artifacts.length} .dockerbuild` : 'none',
    // core.warning(message, properties) prints the properties in the order given: BPA's start with title=.
    annotations: String(run.main.stdout.split('\n').filter((l) => /^::warning [^:]*\bfile=/.test(l)).length),
    summary: (run.main.summary ?? '').trim() ? 'written' : 'none',
    warnings: run.main.stdout.split('\n').filter((l) => l.startsWith('::warning')).map((l) => l.replace(/^::warning[^:]*::/, '').slice(0, 200)),
    // BPA exports and uploads its record in post: what went wrong there is said there.
    postWarnings: run.post.stdout.split('\n').filter((l) => l.startsWith('::warning')).map((l) => l.replace(/^::warning[^:]*::/, '').slice(0, 300))
  };
}

/**
 * Registry and engine keys name each action's own repository (`…/yardstick-bpa/…` and
 * `…/yardstick-ours/…`): compared by state, in the order of the inputs.
 */
function comparable(o, key) {
  const v = o[key];
  return typeof v === 'object' ? JSON.stringify(Object.values(v)) : String(v);
}

/** The keys on which two observations differ. */
export function differences(a, b) {
  return COMPARED.filter((k) => comparable(a, k) !== comparable(b, k));
}

/** An observation in one table cell. */
export function describe(o) {
  const parts = [o.outcome === 'success' ? '✅ success' : `❌ ${o.error || 'failure'}`];
  if (o.digest === 'set') parts.push('digest');
  if (o.imageid === 'set') parts.push('imageid');
  for (const s of Object.values(o.registry)) parts.push(`registry: ${s}`);
  for (const s of Object.values(o.engine)) parts.push(`engine: ${s}`);
  for (const s of Object.values(o.files)) parts.push(`files: ${s}`);
  if (o.record !== 'none') parts.push(`record: ${o.record}`);
  if (o.annotations !== '0') parts.push(`${o.annotations} annotations`);
  return parts.join('; ');
}
