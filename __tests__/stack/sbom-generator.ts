/**
 * A STAND-IN for docker/buildkit-syft-scanner, BuildKit's default SBOM generator, which cannot
 * be pulled here (no Docker Hub). sbom-generator/ is a small Go program that speaks the same
 * generator protocol (BUILDKIT_SCAN_SOURCE in, in-toto statements with an SPDX 2.3 predicate out,
 * see its main.go). ensureSbomGenerator() builds it for amd64 and arm64 from the stack's golang
 * base and pushes it to the local registry, once per version of its sources: the tag is their
 * hash. Docker is used, so the caller holds the stack lock (e2e tests do). Not a test file itself.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { STACK_REGISTRY_URL } from './http.js';

const DIR = path.join(path.dirname(new URL(import.meta.url).pathname), 'sbom-generator');
const SOURCES = ['Dockerfile', 'go.mod', 'main.go'];
const REPO = 'multiarch-test/sbom-generator';
const INDEX_ACCEPT = 'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json';

/** The generator's reference as BuildKit pulls it (localhost, so plain HTTP), built and pushed when missing. */
export async function ensureSbomGenerator(): Promise<string> {
  const hash = createHash('sha256');
  for (const f of SOURCES) hash.update(f).update('\0').update(fs.readFileSync(path.join(DIR, f)));
  const tag = `src-${hash.digest('hex').slice(0, 16)}`;
  const ref = `localhost:${new URL(STACK_REGISTRY_URL).port}/${REPO}:${tag}`;
  const have = await fetch(`${STACK_REGISTRY_URL}/v2/${REPO}/manifests/${tag}`, { method: 'HEAD', headers: { Accept: INDEX_ACCEPT } });
  if (have.status === 200) return ref;
  execFileSync(
    'docker',
    ['buildx', 'build', '--network', 'host', '--platform', 'linux/amd64,linux/arm64', '--provenance=false',
      '--build-context', `golang:1.19=docker-image://localhost:${new URL(STACK_REGISTRY_URL).port}/library/golang:1.19`,
      '--output', `type=image,name=${ref},push=true`, DIR],
    { stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 }
  );
  return ref;
}
