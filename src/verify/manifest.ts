/**
 * Parses and shape-checks the JSON the checks read: index, manifest, image config. Registries and
 * layouts verify bytes against digests, not that the bytes make sense; a bad field here becomes a
 * message naming the document and the field instead of a TypeError three calls later.
 */
import type { FetchedManifest } from '../registry/source.js';
import { isIndexMediaType, type Descriptor, type ImageConfig, type ImageIndex, type ImageManifest, type Platform } from '../types/oci.js';

/** A root reference resolves to an index (multi-platform) or a single image manifest. */
export type ParsedRoot = { kind: 'index'; index: ImageIndex } | { kind: 'manifest'; manifest: ImageManifest };

/** Parses what a tag or digest points at; the media type decides, the `manifests` field as a fallback. */
export function parseRoot(fetched: FetchedManifest): ParsedRoot {
  const doc = parseJson(fetched.bytes, fetched.digest);
  const mediaType = typeof doc['mediaType'] === 'string' ? doc['mediaType'] : fetched.mediaType;
  if (isIndexMediaType(mediaType) || (!('layers' in doc) && Array.isArray(doc['manifests']))) {
    return { kind: 'index', index: toIndex(doc, fetched.digest) };
  }
  return { kind: 'manifest', manifest: toManifest(doc, fetched.digest) };
}

/** Parses an image manifest; `what` names it in errors. */
export function parseManifest(bytes: Buffer, what: string): ImageManifest {
  return toManifest(parseJson(bytes, what), what);
}

/** Parses an image config; `what` names it in errors. */
export function parseConfig(bytes: Buffer, what: string): ImageConfig {
  const doc = parseJson(bytes, what);
  const fail = (field: string, want: string): never => {
    throw new Error(`image config ${what} is invalid: ${field} must be ${want}`);
  };
  if (typeof doc['os'] !== 'string') fail('os', 'a string');
  if (typeof doc['architecture'] !== 'string') fail('architecture', 'a string');
  if (doc['variant'] !== undefined && typeof doc['variant'] !== 'string') fail('variant', 'a string');
  const inner = doc['config'];
  if (inner !== undefined && inner !== null) {
    if (!isObject(inner)) fail('config', 'an object');
    const c = inner as Record<string, unknown>;
    for (const key of ['Entrypoint', 'Cmd', 'Env']) {
      const v = c[key];
      if (v !== undefined && v !== null && !(Array.isArray(v) && v.every((s) => typeof s === 'string'))) fail(`config.${key}`, 'an array of strings');
    }
    if (c['WorkingDir'] !== undefined && typeof c['WorkingDir'] !== 'string') fail('config.WorkingDir', 'a string');
  }
  return { ...(doc as unknown as ImageConfig), config: isObject(inner) ? (inner as ImageConfig['config']) : undefined };
}

function toIndex(doc: Record<string, unknown>, what: string): ImageIndex {
  const list = doc['manifests'];
  if (!Array.isArray(list)) throw new Error(`index ${what} is invalid: manifests must be an array`);
  return { ...(doc as unknown as ImageIndex), manifests: list.map((d, i) => toDescriptor(d, `index ${what} manifests[${i}]`)) };
}

function toManifest(doc: Record<string, unknown>, what: string): ImageManifest {
  const layers = doc['layers'];
  if (!Array.isArray(layers)) throw new Error(`manifest ${what} is invalid: layers must be an array`);
  return {
    ...(doc as unknown as ImageManifest),
    config: toDescriptor(doc['config'], `manifest ${what} config`),
    layers: layers.map((d, i) => toDescriptor(d, `manifest ${what} layers[${i}]`))
  };
}

function toDescriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw new Error(`${where} is not a descriptor object`);
  const d = value as Record<string, unknown>;
  if (typeof d['mediaType'] !== 'string') throw new Error(`${where}.mediaType must be a string`);
  if (typeof d['digest'] !== 'string' || !/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(d['digest'])) {
    throw new Error(`${where}.digest must be a digest like sha256:<hex>`);
  }
  if (typeof d['size'] !== 'number' || !Number.isSafeInteger(d['size']) || d['size'] < 0) throw new Error(`${where}.size must be a non-negative integer`);
  const platform = d['platform'];
  if (platform !== undefined && !isPlatform(platform)) throw new Error(`${where}.platform must have string os and architecture (and variant)`);
  const annotations = d['annotations'];
  if (annotations !== undefined && !(isObject(annotations) && Object.values(annotations as object).every((v) => typeof v === 'string'))) {
    throw new Error(`${where}.annotations must map strings to strings`);
  }
  return d as unknown as Descriptor;
}

function isPlatform(value: unknown): value is Platform {
  if (!isObject(value)) return false;
  const p = value as Record<string, unknown>;
  return typeof p['os'] === 'string' && typeof p['architecture'] === 'string' && (p['variant'] === undefined || typeof p['variant'] === 'string');
}

function parseJson(bytes: Buffer, what: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new Error(`${what} is not a JSON object`);
  return doc as Record<string, unknown>;
}

function isObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
