/**
 * Every action input: name, default and description. action.yml and the README table must agree
 * with this list (a test checks both), and config.ts reads nothing that is not here.
 */

export interface InputSpec {
  name: string;
  description: string;
  default?: string;
  /** How a list input splits: on commas and newlines, or on newlines only. */
  list?: 'comma' | 'lines';
}

export const INPUTS: InputSpec[] = [
  // Same names and meaning as docker/build-push-action, so a `uses:` line can be swapped.
  { name: 'context', description: 'Build context: a path. Defaults to the workspace; with no checkout there (no Dockerfile), the run\'s commit, fetched shallowly with `github-token`, like build-push-action\'s Git context. `{{defaultContext}}` (or `{{defaultContext}}:subdir`) always means that commit (or a directory of it). A Git URL (`https://github.com/org/repo.git#ref:subdir`, `?ref=REF&subdir=DIR`, `git@host:org/repo.git#ref`) is fetched shallowly the same way; `github-token` goes only to the run\'s own server; a `GIT_AUTH_TOKEN.<host>` or `GIT_AUTH_TOKEN` secret, or `user:token@` in an https URL, authenticates another, sent as a masked header.', default: '.' },
  { name: 'file', description: 'Path to the Dockerfile. Defaults to `{context}/Dockerfile`. With the run\'s commit as the context, a relative path is inside the context.' },
  { name: 'platforms', description: 'Target platforms, e.g. `linux/amd64,linux/arm64`. Defaults to the host platform.', list: 'comma' },
  { name: 'tags', description: 'Image references to tag once every platform is verified.', list: 'comma' },
  { name: 'labels', description: 'Image labels, one `key=value` per line.', list: 'lines' },
  { name: 'annotations', description: 'Annotations, one per line (`index:`/`manifest:` prefixes as buildx).', list: 'lines' },
  { name: 'build-args', description: 'Build arguments, one `KEY=value` per line.', list: 'lines' },
  { name: 'build-contexts', description: 'Named build contexts, one `name=source` per line.', list: 'lines' },
  { name: 'secrets', description: 'Build secrets, one `id=value` per line. Values are masked.', list: 'lines' },
  { name: 'secret-files', description: 'Build secrets from files, one `id=path` per line.', list: 'lines' },
  { name: 'secret-envs', description: 'Build secrets from environment variables, one `id=ENV_NAME` per line.', list: 'lines' },
  { name: 'ssh', description: 'SSH agent sockets or keys to expose, one `default|id[=path]` per line.', list: 'lines' },
  { name: 'target', description: 'Build stage to build.' },
  { name: 'push', description: 'Push the image and move its tags once verified.', default: 'false' },
  { name: 'load', description: 'Load the verified image into the Docker image store.', default: 'false' },
  { name: 'outputs', description: 'buildx outputs, one per line, several at once: `type=registry` or `type=image,push=true` (push; `name=` adds tags, quoted for several: `"name=a,b"`; `push-by-digest=true` pushes to their repositories by digest only and moves no tag, for a later `imagetools create`), `type=docker` (load the verified image under `name=`, or the tags; on the classic store the runner\'s platform only; with `dest=FILE`, an OCI tarball instead), `type=oci,dest=DIR` (the merged layout; DIR must be new, empty or an OCI layout) or `dest=FILE.tar`/`tar=true` (the layout as a tar), `type=local,dest=DIR` (or just `DIR`, as buildx takes it) and `type=tar,dest=FILE` (the build\'s files, one directory per platform, e.g. `linux_arm64/`: not an image, so nothing to verify for them), `type=cacheonly` (build only; nothing pushed or verified). A DIR is replaced whole and a FILE must be new, empty or a tar; neither may be the workspace, the context, an ancestor of either, `$HOME` or `/`.', list: 'lines' },
  { name: 'cache-from', description: 'External cache sources, one buildx cache spec per line. Made per platform as for `cache-to`.', list: 'lines' },
  { name: 'cache-to', description: 'Cache exports, one buildx cache spec per line. A `type=gha` entry without `scope` gets one per platform (and `ignore-error=true`); a `type=registry` ref gets the platform as a tag suffix (`R:T` → `R:T-linux-arm64`).', list: 'lines' },
  { name: 'no-cache', description: 'Do not use the cache when building.', default: 'false' },
  { name: 'no-cache-filters', description: 'Stages whose cache is not used.', list: 'comma' },
  { name: 'pull', description: 'Always try to pull newer versions of base images.', default: 'false' },
  { name: 'network', description: 'Network mode for RUN instructions (`host`, `none`, `default`).' },
  { name: 'add-hosts', description: 'Extra `host:ip` mappings.', list: 'comma' },
  { name: 'shm-size', description: 'Size of /dev/shm for RUN, e.g. `128m`.' },
  { name: 'ulimit', description: 'Ulimit options for RUN, one `name=soft:hard` per line.', list: 'lines' },
  { name: 'provenance', description: 'Provenance attestation (`true`, `false`, `mode=max`…). Kept beside each platform in the index.' },
  { name: 'sbom', description: 'SBOM attestation (`true`, `false`, or a generator spec).' },
  { name: 'attests', description: 'Other attestation parameters, one per line.', list: 'lines' },
  { name: 'allow', description: 'Extra privileged entitlements, e.g. `network.host`.', list: 'comma' },
  { name: 'builder', description: 'Name of an existing buildx builder to use.' },
  { name: 'call', description: 'Evaluate the build instead of building it, as `docker buildx build --call`: `build` (the default), `check` (Dockerfile checks per platform; warnings become annotations on their lines, and any warning fails the step, as buildx and build-push-action do), `outline` or `targets` (printed, and put in the `call` output). Needs buildx 0.15 or newer. Nothing is built, pushed or verified.', default: 'build' },
  { name: 'cgroup-parent', description: 'Parent cgroup for RUN instructions (`--cgroup-parent`).' },
  { name: 'github-token', description: 'Token for the job summary, the PR check, and fetching the run\'s commit when there is no checkout.', default: '${{ github.token }}' },
  // multiarch's own inputs.
  { name: 'qemu', description: 'Install QEMU: `auto` (only for emulated platforms not yet registered), `always` or `never`.', default: 'auto' },
  { name: 'qemu-image', description: 'binfmt installer image, pinned (never `latest`).', default: 'tonistiigi/binfmt:qemu-v10.2.3-68' },
  { name: 'driver', description: 'Builder: `auto` reuses the current builder when it can build every platform and export OCI (not the docker driver on the classic image store), else creates `docker-container`, and falls back to the docker driver when that cannot start; `docker` or `docker-container` force one.', default: 'auto' },
  { name: 'buildkit-image', description: 'BuildKit image of a `docker-container` builder the action creates, pinned (never `latest`).', default: 'moby/buildkit:v0.31.2' },
  { name: 'verify', description: 'Per-platform checks before tags move: `strict` (when unset) fails on any failed check, `warn` tags anyway, `off` skips them. Unset, a build that delivers nothing (no push, load, tags or image outputs: check-only, cache-only or files-only) reports failed checks without failing the step; set `strict` to fail it.' },
  { name: 'verify-binaries', description: 'Binary checks before tags move: `all` streams every layer once (nothing unpacked to disk) and fails a platform on a foreign-architecture ELF it would load (PATH, the loader\'s search path, Node addons, Python extensions) or a library its programs need that is missing or foreign, and warns about foreign ELFs nothing loads; `entrypoint` checks only the program, its loader and its libraries; `off` checks no binaries.', default: 'all' },
  { name: 'verify-ignore', description: 'Paths the binary checks leave alone, as globs of image paths (`/opt/tools/**`, `*.node`; `**` spans directories, a pattern without a leading `/` matches at any depth), comma-separated or one per line.', list: 'comma' },
  { name: 'smoke-test', description: 'Arguments to run each platform\'s image with (`docker run --platform P IMAGE ARGS`, under QEMU where needed) before tags move, e.g. `--version`.' },
  { name: 'smoke-test-expect', description: 'A regular expression the smoke test\'s output must match.' },
  { name: 'smoke-test-timeout', description: 'Seconds each platform\'s smoke test may run; then its container is killed and the check fails as timed out.', default: '120' },
  { name: 'mode', description: 'What this step does: `all` (plan, build every leg, merge, verify, tag), `plan` (output the leg matrix), `leg` (build one platform and push it by digest) or `merge` (gather every leg, verify, tag).', default: 'all' },
  { name: 'runners', description: 'Native runner per platform for the `plan` mode matrix, one `platform=runner` per line (a label, or a JSON array of labels for a self-hosted runner); other platforms fall back to `default-runner`.', default: 'linux/amd64=ubuntu-24.04\nlinux/arm64=ubuntu-24.04-arm', list: 'lines' },
  { name: 'default-runner', description: 'Runner for a platform with no native runner in `runners` (a label, or a JSON array of labels); its leg is built cross or emulated, as the plan decides.', default: 'ubuntu-24.04' },
  { name: 'nodes', description: 'Native BuildKit nodes appended to the builder: a YAML list of `{name, endpoint, platforms, driver, driver-opts}`. Their platforms build natively.' },
  { name: 'cache-scope-prefix', description: 'Prefix for the per-platform `type=gha` cache scopes.' },
  { name: 'cache-mounts', description: 'RUN --mount=type=cache targets kept across runs with the Actions cache, one `id=…,target=…` (or a bare target path) per line.', list: 'lines' },
  { name: 'summary', description: 'Write the per-platform report to the job summary.', default: 'true' },
  { name: 'cross-compile', description: 'Rewrite emulated Go/JVM compiles to run on the build platform when it is safe: `auto` (a rewritten leg that fails to build or verify is rebuilt once from the Dockerfile as written), `strict` (the same rewrite, but such a leg fails the run) or `off`.', default: 'auto' },
  { name: 'sign', description: 'Sign the verified index and every verified platform manifest keylessly with Sigstore (Fulcio certificate for the workflow\'s OIDC identity, logged in Rekor and/or timestamped), stored as OCI 1.1 referrers where `cosign verify` finds them: `auto` (sign when pushing from a job with `permissions: id-token: write`, except a private repository on the public-good instance, whose logs are public; a failure warns), `true` (a failure fails the step, and under `verify: strict` moves no tag) or `false`. A run whose verification failed signs nothing.', default: 'auto' },
  { name: 'sigstore-fulcio-url', description: 'Fulcio (certificate authority) of the Sigstore instance to sign with.', default: 'https://fulcio.sigstore.dev' },
  { name: 'sigstore-rekor-url', description: 'Rekor (transparency log) to log signatures in; `off` for none (then `sigstore-tsa-url` is required).', default: 'https://rekor.sigstore.dev' },
  { name: 'sigstore-tsa-url', description: 'RFC 3161 timestamp authority to timestamp signatures with, as a base URL (e.g. `https://timestamp.sigstore.dev`; its `/api/v1/timestamp` is called); none by default.' },
  { name: 'attest', description: 'Attest SLSA build provenance for the verified index and every verified platform manifest as GitHub artifact attestations (what `gh attestation verify oci://IMAGE -R OWNER/REPO` checks), signed keylessly with the `sigstore-*` instance (GitHub\'s own for a private repository left on the public-good defaults) and written with `github-token`. Needs `push: true` and the job permissions `id-token: write` and `attestations: write`. A run whose verification failed attests nothing; a failure fails the step, and under `verify: strict` moves no tag.', default: 'false' },
  { name: 'attest-push-to-registry', description: 'With `attest: true`, also store each attestation bundle in the registry as an OCI 1.1 referrer of its digest (the referrers tag schema where the registry has no referrers API), as actions/attest-build-provenance\'s `push-to-registry` does.', default: 'false' },
  { name: 'verify-signatures', description: 'Before any tag moves, require the index and every platform manifest to carry a Sigstore signature (as `cosign verify` finds it, in every tag\'s repository) that verifies against `sigstore-trusted-root` for an identity: `false` (default), `true` (a workflow of this repository: `^https://github.com/OWNER/REPO/`) or a certificate identity regular expression, anchored as you mean it (e.g. `^https://github\\.com/acme/release/\\.github/workflows/`). Checked after this run signs (`sign`), so it also accepts digests signed earlier. A digest without such a signature fails the step, and under `verify: strict` moves no tag. Needs `push: true`.', default: 'false' },
  { name: 'verify-signatures-issuer', description: 'The OIDC issuer the `verify-signatures` certificates must name.', default: 'https://token.actions.githubusercontent.com' },
  { name: 'sigstore-trusted-root', description: 'Path of the Sigstore `trusted_root.json` each new signature is checked against before it is stored (for a private instance); the public-good root from Sigstore\'s TUF repository when unset.' }
];

export const INPUT_NAMES = new Set(INPUTS.map((i) => i.name));

export function inputSpec(name: string): InputSpec {
  const spec = INPUTS.find((i) => i.name === name);
  if (!spec) throw new Error(`unknown input ${name}`);
  return spec;
}
