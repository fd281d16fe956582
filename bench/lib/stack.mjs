// The test stack every benchmark builds on (scripts/stack.sh up): the Docker engine and builder,
// and the registry on 127.0.0.1:5000 holding the base images the examples build from.
import { execFileSync } from 'node:child_process';

export const REGISTRY = 'localhost:5000';
export const REGISTRY_URL = 'http://127.0.0.1:5000';
const BASE_IMAGES = [['library/golang', '1.19'], ['library/busybox', '1.35']];

/** Run a command, return its trimmed stdout; a non-zero exit throws. */
export function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, ...opts }).trim();
}

/** dockerd's and buildx's versions and the current builder, or an error that says to start the stack. */
export function dockerFacts() {
  try {
    const inspect = sh('docker', ['buildx', 'inspect']);
    return {
      docker: sh('docker', ['version', '--format', '{{.Server.Version}}']),
      buildx: sh('docker', ['buildx', 'version']),
      builder: /^Name:\s+(\S+)/m.exec(inspect)?.[1] ?? 'default',
      builderDriver: /^Driver:\s+(\S+)/m.exec(inspect)?.[1] ?? 'unknown'
    };
  } catch (err) {
    throw new Error(`the Docker stack is not running (${err.message.split('\n')[0]}): run \`bash scripts/stack.sh up\` first`);
  }
}

/** The registry answers, and holds the base images (nothing is pulled from Docker Hub). */
export async function requireRegistry() {
  const res = await fetch(`${REGISTRY_URL}/v2/`).catch(() => undefined);
  if (!res || res.status !== 200) throw new Error(`no registry at ${REGISTRY_URL}: run \`bash scripts/stack.sh up\` first`);
  for (const [repo, tag] of BASE_IMAGES) {
    const m = await fetch(`${REGISTRY_URL}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { Accept: 'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json' } });
    if (m.status !== 200) throw new Error(`base image ${REGISTRY}/${repo}:${tag} is missing: run \`bash scripts/stack.sh up\``);
  }
}
