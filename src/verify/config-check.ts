/**
 * The `config` check: the platform an image's config declares must be the one its index entry and
 * the request name. Runtimes pick a manifest by the index entry, but `docker image inspect`,
 * `--platform` checks on run and schedulers read the config, so a disagreement misleads them.
 */
import type { Check } from '../types/plan.js';
import type { ImageConfig, Platform } from '../types/oci.js';
import { formatPlatform, normalizePlatform, type PlatformSpec } from './platform.js';

/** Compares the config's os/architecture/variant with the request and, when there is one, the index entry. */
export function configCheck(config: ImageConfig, requested: PlatformSpec, indexEntry: Platform | undefined, configDigest: string): Check {
  const declared = normalizePlatform({ os: config.os, architecture: config.architecture, variant: config.variant });
  const want = formatPlatform(requested);
  const have = formatPlatform(declared);
  const expected = indexEntry ? `${want} (requested, and the index entry says ${formatPlatform(indexEntry)})` : `${want} (requested)`;
  const actual = declared.architecture === 'arm' && !declared.variant ? `${have} (no variant)` : have;
  if (have === want && (!indexEntry || formatPlatform(indexEntry) === want)) {
    return { name: 'config', ok: true, expected, actual };
  }
  return { name: 'config', ok: false, expected, actual, detail: explain(declared, requested, configDigest) };
}

function explain(declared: PlatformSpec, requested: PlatformSpec, digest: string): string {
  const want = formatPlatform(requested);
  const subject = `The image config ${digest}`;
  if (declared.os !== requested.os) {
    return `${subject} says os "${declared.os}", but this manifest is listed for ${want}. The ${want} entry points at an image for another OS; check the base image and the --platform of the build that produced it.`;
  }
  if (declared.architecture !== requested.architecture) {
    return (
      `${subject} says architecture "${declared.architecture}", but this manifest is listed for ${want}: ` +
      `${want} machines would pull an image for ${declared.architecture}. The build for ${want} produced (or copied) the wrong image; ` +
      `check its FROM --platform and that the digest merged into the index is the ${want} one.`
    );
  }
  if (!declared.variant) {
    return (
      `${subject} says architecture "${declared.architecture}" with no variant, but the request${requested.variant ? ' and the index say' : ' says'} ${want}. ` +
      `Tools that read the platform from the config cannot tell which ${declared.architecture} version it is for. ` +
      `Build it with BuildKit for --platform ${want}, which records "variant": "${requested.variant}", or fix the tool that wrote this config.`
    );
  }
  if (!requested.variant) {
    return `${subject} says ${formatPlatform(declared)}, but the request and index entry say ${want} without a variant. Request ${formatPlatform(declared)} if that is what the image is for.`;
  }
  return (
    `${subject} says variant "${declared.variant}", but this manifest is listed for ${want}: the build produced an image for ${formatPlatform(declared)}. ` +
    `Build with --platform ${want} and check the base image's variant.`
  );
}
