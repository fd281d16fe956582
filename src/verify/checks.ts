/**
 * verifyImage: every requested platform is in the index and nothing else is; each platform's config
 * agrees with its index entry; its entrypoint binaries are for its architecture and their loaders
 * exist; and its size is reported. Problems in the image become failed checks with messages that
 * say what to fix. It never rejects, so the report can always be written.
 *
 * An index entry nobody asked for gets its own PlatformVerification with a failing `extra` check
 * (and is listed in Verification.extra): such a manifest would be pulled by machines of that
 * platform without ever being verified, so it fails the run rather than just being mentioned.
 */
import type { ImageSource } from '../registry/source.js';
import type { Check, PlatformVerification, Verification } from '../types/plan.js';
import { isIndexMediaType, type Descriptor, type ImageConfig, type ImageManifest } from '../types/oci.js';
import { entrypointChecks } from './arch-check.js';
import { binaryChecks, type BinaryOptions } from './binaries/run.js';
import { configCheck } from './config-check.js';
import type { DockerfileProgramOrigin } from './dockerfile-origin.js';
import { keepForElf, traceProgram } from './entrypoint.js';
import { LayerWalker } from './layers.js';
import { parseConfig, parseManifest, parseRoot } from './manifest.js';
import { formatPlatform, parsePlatform, type PlatformSpec } from './platform.js';
import { extraChecks, inventoryIndex, presentCheck, type AttestationEntry, type Inventory } from './present.js';
import { sizeCheck } from './size.js';

/** What to verify beyond presence, config and size. */
export interface VerifyOptions {
  /** Resolve ENTRYPOINT/CMD in the layers and check the binaries and loaders. */
  entrypoint: boolean;
  /** The Dockerfile lines that set ENTRYPOINT and CMD, for messages in the user's terms. */
  origin?: DockerfileProgramOrigin;
  /**
   * With `entrypoint`: also follow the program's libraries (`libraries`) and, with scope `all`,
   * judge every ELF file in the image (`binaries`). Without it, only the program and its loader.
   */
  binaries?: BinaryOptions;
}

/** Verification, plus the attestation manifests found (listed apart, never as platforms). */
export interface ImageVerification extends Verification {
  attestations: AttestationEntry[];
}

/** An image manifest already read, with its config. */
interface LoadedImage {
  descriptor: Descriptor;
  manifest: ImageManifest;
  manifestBytes: number;
  config: ImageConfig;
}

/** The root, sorted; for a single-manifest root the one image is already loaded. */
interface LoadedRoot {
  inventory: Inventory;
  single?: LoadedImage;
}

/** Verifies the image at `rootRef` (a tag or digest of its index) for the `requested` platforms. */
export async function verifyImage(source: ImageSource, rootRef: string, requested: string[], opts: VerifyOptions): Promise<ImageVerification> {
  const root = await loadRoot(source, rootRef).catch((err: unknown) => new Error(`cannot read ${source.name}@${rootRef}: ${messageOf(err)}`));
  if (root instanceof Error) {
    const platforms = requested.map((platform) => finish(platform, undefined, [{ name: 'present', ok: false, expected: `${platform} in ${rootRef}`, actual: 'unreadable', detail: root.message }]));
    return { platforms, extra: [], attestations: [], ok: false };
  }

  const specs = requested.map((text) => {
    try {
      return { text, spec: parsePlatform(text) };
    } catch (err) {
      return { text, error: messageOf(err) };
    }
  });
  const wanted = specs.map((s) => (s.spec ? formatPlatform(s.spec) : s.text));
  const results = await Promise.all(
    specs.map(async (s): Promise<PlatformVerification> => {
      if (!s.spec) return finish(s.text, undefined, [{ name: 'present', ok: false, expected: 'os/architecture[/variant]', actual: s.text, detail: s.error }]);
      const platform = formatPlatform(s.spec);
      const present = presentCheck(platform, root.inventory);
      if (!present.descriptor) return finish(platform, undefined, [present.check]);
      const checks = [present.check, ...(await verifyPlatform(source, s.spec, present.descriptor, root.single, opts))];
      return finish(platform, present.descriptor.digest, checks);
    })
  );
  const extras = extraChecks(wanted, root.inventory);
  const platforms = [...results, ...extras.map((e) => finish(e.platform, e.descriptor.digest, [e.check]))];
  return {
    platforms,
    extra: extras.map((e) => e.platform),
    attestations: root.inventory.attestations,
    ok: platforms.every((p) => p.ok)
  };
}

async function loadRoot(source: ImageSource, rootRef: string): Promise<LoadedRoot> {
  const fetched = await source.getManifest(rootRef);
  const root = parseRoot(fetched);
  if (root.kind === 'index') return { inventory: inventoryIndex(root.index, fetched.digest) };
  // A single image manifest: its config says which platform it is.
  const config = parseConfig(await source.getBlob(root.manifest.config.digest, root.manifest.config.size), root.manifest.config.digest);
  const descriptor: Descriptor = { mediaType: fetched.mediaType, digest: fetched.digest, size: fetched.bytes.length };
  const platform = formatPlatform({ os: config.os, architecture: config.architecture, variant: config.variant });
  return {
    inventory: { entries: [{ platform, descriptor }], attestations: [], label: `the single-platform manifest ${fetched.digest} (not an index)` },
    single: { descriptor, manifest: root.manifest, manifestBytes: fetched.bytes.length, config }
  };
}

async function verifyPlatform(source: ImageSource, spec: PlatformSpec, descriptor: Descriptor, single: LoadedImage | undefined, opts: VerifyOptions): Promise<Check[]> {
  let image: LoadedImage;
  try {
    image = single?.descriptor.digest === descriptor.digest ? single : await loadImage(source, descriptor);
  } catch (err) {
    return [{ name: 'config', ok: false, expected: 'a readable image manifest and config', actual: 'unreadable', detail: messageOf(err) }];
  }
  const checks = [configCheck(image.config, spec, descriptor.platform, image.manifest.config.digest)];
  if (opts.entrypoint) checks.push(...(await programChecks(source, image, spec, opts)));
  checks.push(sizeCheck(image.manifest, image.manifestBytes));
  return checks;
}

async function loadImage(source: ImageSource, descriptor: Descriptor): Promise<LoadedImage> {
  const fetched = await source.getManifest(descriptor.digest, descriptor.size);
  if (isIndexMediaType(fetched.mediaType)) throw new Error(`${descriptor.digest} is an index, not an image manifest: nested indexes are not supported`);
  const manifest = parseManifest(fetched.bytes, descriptor.digest);
  const config = parseConfig(await source.getBlob(manifest.config.digest, manifest.config.size), manifest.config.digest);
  return { descriptor, manifest, manifestBytes: fetched.bytes.length, config };
}

async function programChecks(source: ImageSource, image: LoadedImage, spec: PlatformSpec, opts: VerifyOptions): Promise<Check[]> {
  const platform = formatPlatform(spec);
  const names = ['entrypoint-arch', 'interpreter', ...(opts.binaries ? ['libraries'] : []), ...(opts.binaries?.scope === 'all' ? ['binaries'] : [])];
  if (spec.os !== 'linux') {
    const detail = `Binary checks read Linux ELF files; ${spec.os} images are not analysed.`;
    return names.map((name) => ({ name, ok: true, skipped: true, detail }));
  }
  try {
    if (opts.binaries) return await binaryChecks(source, image.manifest.layers, image.config, spec, opts.binaries, opts.origin);
    const walker = new LayerWalker(source, image.manifest.layers, { keep: keepForElf });
    return entrypointChecks(await traceProgram(walker, image.config), platform, opts.origin);
  } catch (err) {
    const [first, ...rest] = names;
    return [
      { name: first as string, ok: false, expected: 'readable layers', actual: 'unreadable', detail: messageOf(err) },
      ...rest.map((name) => ({ name, ok: true, skipped: true, detail: 'Not checked: the layers could not be read.' }))
    ];
  }
}

function finish(platform: string, digest: string | undefined, checks: Check[]): PlatformVerification {
  const ok = checks.every((c) => c.ok || c.skipped === true);
  return digest ? { platform, digest, checks, ok } : { platform, checks, ok };
}

/** Node's own errors come from another realm under test runners, so duck-type the message. */
function messageOf(err: unknown): string {
  const message = typeof err === 'object' && err !== null ? (err as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(err);
}
