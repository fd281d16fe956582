/**
 * A `docker image save` directory (the classic store's read-back of a docker-load leg) becomes
 * the same OCI layout every other leg exports: config kept byte for byte, plain layers gzipped
 * (their diff IDs unchanged), compressed layers kept, the platform taken from the config.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { convertDockerArchive, sniffCompression } from '../../src/build/docker-save.js';
import { readLegResult } from '../../src/build/legs.js';
import { MediaType } from '../../src/types/oci.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'save-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A real tar of one file, made by tar(1), as a layer. */
function layerTar(name: string, content: string): Buffer {
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'layer-'));
  fs.writeFileSync(path.join(src, name), content);
  const out = execFileSync('tar', ['-cf', '-', '-C', src, name]);
  fs.rmSync(src, { recursive: true, force: true });
  return out;
}

function writeArchive(layers: Buffer[], config: object, style: 'blobs' | 'legacy'): void {
  const cfg = Buffer.from(JSON.stringify(config));
  const put = (b: Buffer, legacyName: string) => {
    const rel = style === 'blobs' ? path.join('blobs', 'sha256', sha(b)) : legacyName;
    fs.mkdirSync(path.dirname(path.join(dir, 'x', rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'x', rel), b);
    return rel;
  };
  const Config = put(cfg, `${sha(cfg)}.json`);
  const Layers = layers.map((l, i) => put(l, `layer${i}/layer.tar`));
  fs.writeFileSync(path.join(dir, 'x', 'manifest.json'), JSON.stringify([{ Config, RepoTags: ['multiarch-leg-1:linux-arm64'], Layers }]));
}

test.each(['blobs', 'legacy'] as const)('a %s-style archive with plain layers becomes a gzipped OCI layout', async (style) => {
  const plain = [layerTar('a', 'hello'), layerTar('b', 'arm64 world')];
  const config = { architecture: 'arm64', os: 'linux', variant: 'v8', rootfs: { type: 'layers', diff_ids: plain.map((l) => `sha256:${sha(l)}`) } };
  writeArchive(plain, config, style);
  const out = path.join(dir, 'leg');
  const stats = await convertDockerArchive(path.join(dir, 'x'), out);
  expect(stats).toMatchObject({ compressed: 2, layers: 2 });
  expect(stats.uncompressedBytes).toBe(plain[0]!.length + plain[1]!.length);

  const { manifest, attestations } = await readLegResult(out);
  expect(attestations).toEqual([]);
  expect(manifest.platform).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
  const body = JSON.parse(fs.readFileSync(path.join(out, 'blobs', 'sha256', manifest.digest.slice(7)), 'utf8'));
  expect(body.mediaType).toBe(MediaType.OciManifest);
  expect(body.config.mediaType).toBe(MediaType.OciConfig);
  // The config is the engine's own bytes: its digest is the image ID docker reports.
  expect(fs.readFileSync(path.join(out, 'blobs', 'sha256', body.config.digest.slice(7)), 'utf8')).toBe(JSON.stringify(config));
  for (const [i, l] of body.layers.entries()) {
    expect(l.mediaType).toBe(MediaType.OciLayerGzip);
    const blob = fs.readFileSync(path.join(out, 'blobs', 'sha256', l.digest.slice(7)));
    expect(`sha256:${sha(blob)}`).toBe(l.digest);
    expect(blob.length).toBe(l.size);
    // Decompressed, each layer is the diff ID the config names.
    expect(`sha256:${sha(gunzipSync(blob))}`).toBe(config.rootfs.diff_ids[i]);
  }
  expect(fs.existsSync(path.join(out, '.gzip-tmp'))).toBe(false);
});

test('the same archive converts to the same digests (gzip is deterministic)', async () => {
  const plain = [layerTar('a', 'same')];
  writeArchive(plain, { architecture: 'amd64', os: 'linux' }, 'blobs');
  const a = await readLegResult((await convertDockerArchive(path.join(dir, 'x'), path.join(dir, 'a')), path.join(dir, 'a')));
  const b = await readLegResult((await convertDockerArchive(path.join(dir, 'x'), path.join(dir, 'b')), path.join(dir, 'b')));
  expect(a.manifest.digest).toBe(b.manifest.digest);
});

test('layers already compressed are kept as they are', async () => {
  const gz = gzipSync(layerTar('a', 'x'));
  writeArchive([gz], { architecture: 'amd64', os: 'linux' }, 'blobs');
  const stats = await convertDockerArchive(path.join(dir, 'x'), path.join(dir, 'leg'));
  expect(stats.compressed).toBe(0);
  const { manifest } = await readLegResult(path.join(dir, 'leg'));
  const body = JSON.parse(fs.readFileSync(path.join(dir, 'leg', 'blobs', 'sha256', manifest.digest.slice(7)), 'utf8'));
  expect(body.layers).toEqual([{ mediaType: MediaType.OciLayerGzip, digest: `sha256:${sha(gz)}`, size: gz.length }]);
});

test('an archive naming a file outside itself, or more than one image, is refused', async () => {
  fs.mkdirSync(path.join(dir, 'x'));
  fs.writeFileSync(path.join(dir, 'x', 'manifest.json'), JSON.stringify([{ Config: '../../etc/passwd', Layers: [] }]));
  await expect(convertDockerArchive(path.join(dir, 'x'), path.join(dir, 'leg'))).rejects.toThrow(/outside its archive/);
  fs.writeFileSync(path.join(dir, 'x', 'manifest.json'), JSON.stringify([{ Config: 'a', Layers: [] }, { Config: 'b', Layers: [] }]));
  await expect(convertDockerArchive(path.join(dir, 'x'), path.join(dir, 'leg'))).rejects.toThrow(/wrote 2 images, expected 1/);
});

test('sniffCompression', () => {
  const f = path.join(dir, 'f');
  fs.writeFileSync(f, gzipSync(Buffer.from('x')));
  expect(sniffCompression(f)).toBe('gzip');
  fs.writeFileSync(f, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0]));
  expect(sniffCompression(f)).toBe('zstd');
  fs.writeFileSync(f, layerTar('a', 'x'));
  expect(sniffCompression(f)).toBe('none');
  fs.writeFileSync(f, '');
  expect(sniffCompression(f)).toBe('none');
});
