/**
 * Manifest documents as bytes: working out what kind they are and which descriptors they point
 * at, so the pusher and the sources can walk an image graph without trusting file names or
 * Content-Type headers alone.
 */
import {
  ManifestMediaTypes,
  MediaType,
  isIndexMediaType,
  type Descriptor,
  type ImageIndex,
  type ImageManifest
} from '../types/oci.js';

/** A manifest or index, parsed, with the media type it was resolved to. */
export type ParsedManifest =
  | { kind: 'index'; mediaType: string; index: ImageIndex }
  | { kind: 'manifest'; mediaType: string; manifest: ImageManifest };

/**
 * The media type of a manifest: the Content-Type (or descriptor) if it names a manifest type,
 * otherwise the document's own `mediaType` field, otherwise inferred from its shape (OCI lets
 * the field be absent).
 */
export function resolveManifestMediaType(declared: string | undefined, bytes: Buffer): string {
  const clean = (declared ?? '').split(';')[0]?.trim() ?? '';
  if (ManifestMediaTypes.includes(clean)) return clean;
  const doc = parseJsonObject(bytes);
  if (typeof doc['mediaType'] === 'string' && doc['mediaType']) return doc['mediaType'];
  if (Array.isArray(doc['manifests'])) return MediaType.OciIndex;
  if (typeof doc['config'] === 'object' && doc['config'] !== null) return MediaType.OciManifest;
  return clean || 'application/octet-stream';
}

/** Parse manifest bytes as an index or an image manifest; throws on anything else. */
export function parseManifest(bytes: Buffer, declared: string | undefined, where: string): ParsedManifest {
  const mediaType = resolveManifestMediaType(declared, bytes);
  const doc = parseJsonObject(bytes, where);
  if (doc['schemaVersion'] !== 2) throw new Error(`${where}: unsupported manifest schemaVersion ${String(doc['schemaVersion'])}`);
  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(doc['manifests'])) throw new Error(`${where}: index has no manifests array`);
    const index = doc as unknown as ImageIndex;
    index.manifests.forEach((d, i) => assertDescriptor(d, `${where} manifests[${i}]`));
    return { kind: 'index', mediaType, index };
  }
  if (typeof doc['config'] !== 'object' || !Array.isArray(doc['layers'])) {
    throw new Error(`${where}: ${mediaType} is neither an image index nor an image manifest`);
  }
  const manifest = doc as unknown as ImageManifest;
  assertDescriptor(manifest.config, `${where} config`);
  manifest.layers.forEach((d, i) => assertDescriptor(d, `${where} layers[${i}]`));
  return { kind: 'manifest', mediaType, manifest };
}

/** True for a layer the registry is not expected to hold (Windows base layers and the like). */
export function isForeignLayer(desc: Descriptor): boolean {
  return Array.isArray(desc.urls) && desc.urls.length > 0;
}

function assertDescriptor(value: unknown, where: string): asserts value is Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (
    typeof d !== 'object' ||
    d === null ||
    typeof d.mediaType !== 'string' ||
    typeof d.digest !== 'string' ||
    typeof d.size !== 'number' ||
    !Number.isSafeInteger(d.size) ||
    d.size < 0
  ) {
    throw new Error(`${where} is not a valid descriptor (mediaType, digest and size are required)`);
  }
}

function parseJsonObject(bytes: Buffer, where?: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    if (where === undefined) return {};
    throw new Error(`${where} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    if (where === undefined) return {};
    throw new Error(`${where} is not a JSON object`);
  }
  return doc as Record<string, unknown>;
}
