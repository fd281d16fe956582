/**
 * Compose the image index from the legs' descriptors: each platform manifest, with its
 * attestation manifests after it. Pure: bytes in, bytes and digest out.
 */
import { createHash } from 'node:crypto';
import { MediaType, type Descriptor, type ImageIndex } from '../types/oci.js';
import type { BuiltLeg, MergedIndex } from '../types/plan.js';
import { parsePlatform } from '../platform.js';

export function composeIndex(legs: BuiltLeg[], annotations: Record<string, string> = {}, descriptorAnnotations: Record<string, string> = {}): MergedIndex {
  const platforms: Descriptor[] = [];
  const attestations: Descriptor[] = [];
  const manifests: Descriptor[] = [];
  for (const leg of legs) {
    if (!leg.manifest) throw new Error(`leg ${leg.platform.platform} has no manifest`);
    // The requested platform is the truth the index advertises; the checks compare it with the config.
    const desc: Descriptor = { ...leg.manifest, platform: leg.manifest.platform ?? parsePlatform(leg.platform.platform) };
    platforms.push(desc);
    manifests.push(desc);
    for (const a of leg.attestations) {
      attestations.push(a);
      manifests.push(a);
    }
  }
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests };
  if (Object.keys(annotations).length) index.annotations = annotations;
  const bytes = Buffer.from(JSON.stringify(index));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return { digest, mediaType: MediaType.OciIndex, size: bytes.length, bytes, platforms, attestations, ...(Object.keys(descriptorAnnotations).length ? { descriptorAnnotations } : {}) };
}

/** `index:key=value` annotation inputs → the index's own annotations. */
export function indexAnnotations(inputs: string[]): Record<string, string> {
  return annotationsAt('index', inputs);
}

/** `index-descriptor:key=value` annotation inputs → the annotations of the index's descriptor in an OCI layout. */
export function indexDescriptorAnnotations(inputs: string[]): Record<string, string> {
  return annotationsAt('index-descriptor', inputs);
}

function annotationsAt(level: string, inputs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of inputs) {
    if (!a.startsWith(`${level}:`)) continue;
    const m = /^([^=]+)=(.*)$/.exec(a.slice(level.length + 1));
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}
