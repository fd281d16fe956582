/**
 * A leg's OCI layout as BuildKit's oci exporter writes it for one platform without attestations:
 * index.json's descriptor is the platform manifest itself, carrying the layout's own names
 * (`org.opencontainers.image.ref.name`, `io.containerd.image.name`) beside the user's
 * manifest-descriptor annotations. The names belong to that layout, not to the index pushed.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readLegResult } from '../../src/build/legs.js';
import { MediaType } from '../../src/types/oci.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leg-result-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function blob(bytes: Buffer): { digest: string; size: number } {
  const hex = createHash('sha256').update(bytes).digest('hex');
  fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'blobs', 'sha256', hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

test("the platform manifest keeps the user's descriptor annotations and drops the layout's names", async () => {
  const config = blob(Buffer.from(JSON.stringify({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })));
  const manifest = blob(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, ...config }, layers: [] })));
  const annotations = {
    'org.example.md': '1',
    'org.opencontainers.image.created': '2026-12-01T21:26:43Z',
    'org.opencontainers.image.ref.name': 'latest',
    'io.containerd.image.name': 'docker.io/library/multiarch-leg:linux-arm64'
  };
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [{ mediaType: MediaType.OciManifest, ...manifest, annotations, platform: { architecture: 'arm64', os: 'linux' } }] }));
  const leg = await readLegResult(dir);
  expect(leg.manifest.digest).toBe(manifest.digest);
  expect(leg.manifest.annotations).toEqual({ 'org.example.md': '1', 'org.opencontainers.image.created': '2026-12-01T21:26:43Z' });
});
