/**
 * Image references, parsed and normalised the way Docker does (distribution/reference), but with
 * error messages that say what is wrong and what was expected.
 */

/** A parsed, normalised image reference: `registry/repository[:tag][@digest]`. */
export interface ImageReference {
  /** Registry as users write it, e.g. `docker.io`, `ghcr.io`, `localhost:5000`. */
  registry: string;
  /** Repository path, e.g. `library/alpine` or `org/app`. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Thrown for a reference that cannot be parsed; the message names the problem and the expected form. */
export class InvalidReferenceError extends Error {
  constructor(
    readonly reference: string,
    readonly reason: string
  ) {
    super(`${JSON.stringify(reference)} is not a valid image reference: ${reason} (expected ${EXPECTED_FORM})`);
    this.name = 'InvalidReferenceError';
  }
}

export const DOCKER_HUB = 'docker.io';
const EXPECTED_FORM = '[registry/]name[:tag][@digest], e.g. ghcr.io/org/app:1.0';

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^\w[\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const HOST_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6 = /^\[[a-fA-F0-9:.]+\]$/;
/** distribution/reference caps the whole name (registry + repository) at 255 characters. */
const MAX_NAME = 255;
/** Hex lengths of the digest algorithms we can verify; any other algorithm is refused. */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha512: 128 };

export function parseReference(text: string): ImageReference {
  const fail = (reason: string): never => {
    throw new InvalidReferenceError(text, reason);
  };
  if (text.trim() === '') fail('reference is empty');
  if (text !== text.trim()) fail('reference has leading or trailing whitespace');

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const problem = digestProblem(digest);
    if (problem) fail(problem);
  }

  // A tag follows the last ':' that comes after the last '/'; an earlier ':' is a registry port.
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      fail(
        tag === ''
          ? 'tag is empty'
          : `invalid tag ${JSON.stringify(tag)}: a tag is 1-128 letters, digits, '_', '.' or '-' and must not start with '.' or '-'`
      );
    }
  }
  if (rest === '') fail('repository name is empty');

  const { registry, repository } = splitRegistry(rest);
  if (registry !== undefined) {
    const problem = hostProblem(registry);
    if (problem) fail(problem);
  }
  const problem = repositoryProblem(repository);
  if (problem) fail(problem);

  const normalised = normaliseHub(registry ?? DOCKER_HUB, repository);
  if (normalised.registry.length + 1 + normalised.repository.length > MAX_NAME) {
    fail(`name is longer than ${MAX_NAME} characters`);
  }
  return { ...normalised, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** Canonical text of a reference: always with the registry, e.g. `docker.io/library/alpine:3`. */
export function formatReference(ref: ImageReference): string {
  let text = `${ref.registry}/${ref.repository}`;
  if (ref.tag) text += `:${ref.tag}`;
  if (ref.digest) text += `@${ref.digest}`;
  return text;
}

/** Host to connect to for a registry name: Docker Hub's API lives on registry-1.docker.io. */
export function registryHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}

/**
 * True for registries on the loopback interface. Docker talks plain HTTP to these without being
 * told (127.0.0.0/8 is an insecure registry by default), so a local `registry:2` works as-is.
 */
export function isLoopbackRegistry(registry: string): boolean {
  const host = hostWithoutPort(registry).toLowerCase();
  return host === 'localhost' || /^127(?:\.\d{1,3}){3}$/.test(host) || host === '[::1]';
}

/** Base URL of a registry's API origin, e.g. `https://ghcr.io` or `http://localhost:5000`. */
export function registryBaseUrl(registry: string): string {
  const scheme = isLoopbackRegistry(registry) ? 'http' : 'https';
  return `${scheme}://${registryHost(registry)}`;
}

/** Throws InvalidReferenceError unless `repository` is a valid repository path (no registry, tag or digest). */
export function assertRepository(repository: string): void {
  const problem = repositoryProblem(repository);
  if (problem) throw new InvalidReferenceError(repository, problem);
}

/** True if `text` is a syntactically valid tag. */
export function isTag(text: string): boolean {
  return TAG.test(text);
}

/** True if `text` is a digest we can verify (sha256 or sha512, lowercase hex of the right length). */
export function isDigest(text: string): boolean {
  return digestProblem(text) === undefined;
}

function repositoryProblem(repository: string): string | undefined {
  if (repository === '') return 'repository name is empty';
  if (repository !== repository.toLowerCase()) return 'repository must be lowercase';
  for (const component of repository.split('/')) {
    if (component === '') return `repository ${JSON.stringify(repository)} has an empty path component`;
    if (!PATH_COMPONENT.test(component)) {
      return (
        `invalid repository path component ${JSON.stringify(component)}: use lowercase letters and digits, ` +
        `separated by '.', '_', '__' or '-'`
      );
    }
  }
  return undefined;
}

function digestProblem(digest: string): string | undefined {
  if (!DIGEST.test(digest)) return `invalid digest ${JSON.stringify(digest)}: a digest is algorithm:hex`;
  const [algorithm, hex] = digest.split(':') as [string, string];
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) return `unsupported digest algorithm ${JSON.stringify(algorithm)} (use sha256 or sha512)`;
  if (hex.length !== length || !/^[a-f0-9]+$/.test(hex)) {
    return `invalid ${algorithm} digest: expected ${length} lowercase hex characters`;
  }
  return undefined;
}

/**
 * The first path component is a registry only if it looks like a host: it has a '.' or ':' or is
 * `localhost`. Otherwise the whole name is a Docker Hub repository. (Docker also treats an
 * uppercase first component as a host; we do not, so `Foo/bar` is reported as an uppercase
 * repository rather than as a request to an unresolvable host named `Foo`.)
 */
function splitRegistry(name: string): { registry?: string; repository: string } {
  const slash = name.indexOf('/');
  if (slash < 0) return { repository: name };
  const first = name.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') {
    return { registry: first, repository: name.slice(slash + 1) };
  }
  return { repository: name };
}

function normaliseHub(registry: string, repository: string): { registry: string; repository: string } {
  // index.docker.io is Docker Hub's legacy name; both mean the same registry.
  const hub = registry === DOCKER_HUB || registry === 'index.docker.io';
  if (!hub) return { registry, repository };
  return { registry: DOCKER_HUB, repository: repository.includes('/') ? repository : `library/${repository}` };
}

function hostProblem(registry: string): string | undefined {
  let host = registry;
  const portMatch = /:(\d*)$/.exec(registry);
  if (portMatch && !registry.endsWith(']')) {
    const port = portMatch[1] ?? '';
    if (port === '' || Number(port) > 65535) return `invalid registry port in ${JSON.stringify(registry)}`;
    host = registry.slice(0, portMatch.index);
  }
  if (IPV6.test(host)) return undefined;
  if (host.split('.').every((label) => HOST_LABEL.test(label))) return undefined;
  return `invalid registry host ${JSON.stringify(registry)}`;
}

function hostWithoutPort(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(0, registry.indexOf(']') + 1);
  const colon = registry.lastIndexOf(':');
  return colon >= 0 ? registry.slice(0, colon) : registry;
}
