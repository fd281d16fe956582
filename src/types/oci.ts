/** Wire formats of the OCI image spec and Docker's v2 schema, shared by the registry client, the layout reader and the checks. */

export const MediaType = {
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  OciConfig: 'application/vnd.oci.image.config.v1+json',
  OciLayer: 'application/vnd.oci.image.layer.v1.tar',
  OciLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OciLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  InTotoLayer: 'application/vnd.in-toto+json',
  /** OCI 1.1's empty descriptor: an artifact manifest's config when it has none (content `{}`). */
  OciEmpty: 'application/vnd.oci.empty.v1+json',
  DockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip'
} as const;

/** Manifest media types a registry client asks for (and a push may PUT), most specific first. */
export const ManifestMediaTypes: readonly string[] = [
  MediaType.OciIndex,
  MediaType.OciManifest,
  MediaType.DockerManifestList,
  MediaType.DockerManifest
];

/** Annotation that names an image (a tag) inside an OCI layout's index.json. */
export const AnnotationRefName = 'org.opencontainers.image.ref.name';
/** Annotation containerd and buildx add with the full image name in an exported layout. */
export const AnnotationContainerdName = 'io.containerd.image.name';

/** Contents of the `oci-layout` marker file at the root of an OCI image layout. */
export interface OciLayoutFile {
  imageLayoutVersion: string;
}
export const ImageLayoutVersion = '1.0.0';

/** Annotation BuildKit puts on attestation manifests inside an index. */
export const AttestationRefType = 'vnd.docker.reference.type';
export const AttestationRefDigest = 'vnd.docker.reference.digest';
export const AttestationManifestValue = 'attestation-manifest';
/** Annotation on each in-toto layer of an attestation manifest: the statement's predicate type. */
export const AnnotationPredicateType = 'in-toto.io/predicate-type';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  urls?: string[];
  artifactType?: string;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  /** OCI 1.1: what kind of artifact this manifest is (a signature, an SBOM); absent for images. */
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  config?: {
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Env?: string[] | null;
    WorkingDir?: string;
    User?: string;
  };
  rootfs?: { type: string; diff_ids: string[] };
  /** One entry per build step, oldest first; steps with `empty_layer` added no layer. */
  history?: HistoryEntry[];
}

/** An image config's history entry: the Dockerfile step behind a layer. */
export interface HistoryEntry {
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.OciIndex || mediaType === MediaType.DockerManifestList;
}

export function isImageManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === MediaType.OciManifest || mediaType === MediaType.DockerManifest;
}

export function isAttestation(desc: Descriptor): boolean {
  return desc.annotations?.[AttestationRefType] === AttestationManifestValue;
}
