/**
 * The TypeScript half of `npm run bench:verify` (bench/verify.mjs), bundled with ncc at bench
 * start so the benchmark runs the project's own code from src/ (not dist/, which may lag):
 *
 *  - coldCopy: a copy of an image in the registry whose every layer differs from the original in
 *    one tar header's mtime (same files, same sizes within a few bytes), so that no layer of it is
 *    in the local containerd content store and `docker pull` really downloads. Pushed with the
 *    project's RegistryClient; it also lists each layer (with tar(1), not the project's reader)
 *    so the benchmark can bound the bytes verification needs independently of the verifier.
 *  - timeVerify / timeVerifyLayout: one verifyImage run, timed, with ImageSource.bytesRead().
 *  - copyToLayout: the same image as an OCI layout (what the pipeline verifies when not pushing).
 */
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { RegistryClient } from '../../src/registry/client.js';
import { digestOf } from '../../src/registry/digest.js';
import { OciLayout } from '../../src/registry/layout.js';
import { RemoteSource } from '../../src/registry/remote.js';
import type { ImageSource } from '../../src/registry/source.js';
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest } from '../../src/types/oci.js';
import { verifyImage } from '../../src/verify/checks.js';

export interface LayerInfo {
  digest: string;
  size: number;
  /** Paths in the layer, normalised to `/a/b` (from `tar -t`). */
  files: string[];
}

export interface PlatformInfo {
  platform: string;
  manifestDigest: string;
  manifestBytes: number;
  configDigest: string;
  configBytes: number;
  /** ENTRYPOINT[0] (or CMD[0]) from the config. */
  entrypoint: string;
  /** Bottom first, as in the manifest. */
  layers: LayerInfo[];
}

export interface CopyInfo {
  repo: string;
  tag: string;
  indexDigest: string;
  indexBytes: number;
  platforms: PlatformInfo[];
}

export interface VerifyTiming {
  ms: number;
  bytesRead: number;
  ok: boolean;
  /** `linux/arm64 entrypoint-arch ok`, … */
  checks: string[];
}

const normalise = (p: string) => '/' + p.split('/').filter((s) => s && s !== '.').join('/');

/** Bumps the mtime field of the first tar header (and its checksum): same files, new bytes. */
function perturb(tar: Buffer, nonce: number): Buffer {
  const out = Buffer.from(tar);
  const mtime = parseInt(out.toString('latin1', 136, 147).replace(/[^0-7]/g, '') || '0', 8);
  out.write(((mtime + nonce) % 0o77777777777).toString(8).padStart(11, '0') + '\0', 136, 12, 'latin1');
  out.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += out[i] as number;
  out.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return out;
}

function listTar(tar: Buffer): string[] {
  return execFileSync('tar', ['-t', '-f', '-'], { input: tar, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map(normalise);
}

/** A whole blob in memory, streamed (getBlob refuses large ones). */
async function readBlob(client: RegistryClient, repo: string, digest: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await client.openBlob(repo, digest)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function upload(client: RegistryClient, repo: string, bytes: Buffer): Promise<Descriptor & { size: number }> {
  const digest = digestOf(bytes);
  if (!(await client.headBlob(repo, digest))) await client.pushBlob(repo, digest, bytes.length, () => Readable.from([bytes]));
  return { mediaType: '', digest, size: bytes.length };
}

/**
 * Pushes `repo:tag`, a copy of `srcRepo@srcRef` (by default in `repo` itself) with every layer
 * perturbed by `nonce` (see above).
 */
export async function coldCopy(registry: string, repo: string, srcRef: string, tag: string, nonce: number, srcRepo = repo): Promise<CopyInfo> {
  const client = new RegistryClient({ registry });
  try {
    const src = await client.getManifest(srcRepo, srcRef);
    const index = JSON.parse(src.bytes.toString('utf8')) as ImageIndex;
    if (!Array.isArray(index.manifests)) throw new Error(`${repo}@${srcRef} is not an index`);
    const layerMemo = new Map<string, Promise<{ blob: Descriptor; diffId: string; files: string[] }>>();
    const platforms: PlatformInfo[] = [];
    const entries: Descriptor[] = [];
    for (const entry of index.manifests) {
      const fetched = await client.getManifest(srcRepo, entry.digest);
      const manifest = JSON.parse(fetched.bytes.toString('utf8')) as ImageManifest;
      const config = JSON.parse((await client.getBlob(srcRepo, manifest.config.digest)).toString('utf8')) as ImageConfig & { rootfs: { diff_ids: string[] } };
      const layers = await Promise.all(
        manifest.layers.map((layer) => {
          let pending = layerMemo.get(layer.digest);
          if (!pending) {
            pending = (async () => {
              const tar = perturb(gunzipSync(await readBlob(client, srcRepo, layer.digest)), nonce);
              const blob = await upload(client, repo, gzipSync(tar));
              return { blob: { ...layer, digest: blob.digest, size: blob.size }, diffId: digestOf(tar), files: listTar(tar) };
            })();
            layerMemo.set(layer.digest, pending);
          }
          return pending;
        })
      );
      config.rootfs.diff_ids = layers.map((l) => l.diffId);
      const configBytes = Buffer.from(JSON.stringify(config));
      const configBlob = await upload(client, repo, configBytes);
      const copy: ImageManifest = { ...manifest, config: { ...manifest.config, digest: configBlob.digest, size: configBlob.size }, layers: layers.map((l) => l.blob) };
      const manifestBytes = Buffer.from(JSON.stringify(copy));
      const manifestDigest = await client.putManifest(repo, digestOf(manifestBytes), manifestBytes, fetched.mediaType);
      entries.push({ ...entry, digest: manifestDigest, size: manifestBytes.length });
      const program = config.config?.Entrypoint?.[0] ?? config.config?.Cmd?.[0] ?? '';
      platforms.push({
        platform: [entry.platform?.os, entry.platform?.architecture, entry.platform?.variant].filter(Boolean).join('/'),
        manifestDigest,
        manifestBytes: manifestBytes.length,
        configDigest: configBlob.digest,
        configBytes: configBlob.size,
        entrypoint: program,
        layers: layers.map((l) => ({ digest: l.blob.digest, size: l.blob.size, files: l.files }))
      });
    }
    const indexBytes = Buffer.from(JSON.stringify({ ...index, manifests: entries }));
    const indexDigest = await client.putManifest(repo, tag, indexBytes, src.mediaType);
    return { repo, tag, indexDigest, indexBytes: indexBytes.length, platforms };
  } finally {
    client.close();
  }
}

async function timed(source: ImageSource, ref: string, platforms: string[]): Promise<VerifyTiming> {
  const t0 = performance.now();
  const v = await verifyImage(source, ref, platforms, { entrypoint: true });
  const ms = performance.now() - t0;
  const checks = v.platforms.flatMap((p) => p.checks.filter((c) => c.name !== 'size').map((c) => `${p.platform} ${c.name} ${c.skipped ? 'skip' : c.ok ? 'ok' : 'FAIL'}`));
  return { ms, bytesRead: source.bytesRead(), ok: v.ok, checks };
}

/** verifyImage on `repo@ref` through a new client (new connections, nothing cached), as the pipeline's push path does. */
export async function timeVerify(registry: string, repo: string, ref: string, platforms: string[]): Promise<VerifyTiming> {
  const client = new RegistryClient({ registry });
  try {
    return await timed(new RemoteSource(client, repo), ref, platforms);
  } finally {
    client.close();
  }
}

/** verifyImage on an OCI layout, as the pipeline's no-push path does. */
export async function timeVerifyLayout(dir: string, ref: string, platforms: string[]): Promise<VerifyTiming> {
  return timed(await OciLayout.open(dir), ref, platforms);
}

/** Copies `repo@ref` (index, manifests, configs, layers) into a new OCI layout at `dir`; returns the index digest. */
export async function copyToLayout(registry: string, repo: string, ref: string, dir: string): Promise<string> {
  const client = new RegistryClient({ registry });
  try {
    const layout = await OciLayout.create(dir);
    const root = await client.getManifest(repo, ref);
    const index = JSON.parse(root.bytes.toString('utf8')) as ImageIndex;
    for (const entry of index.manifests) {
      const fetched = await client.getManifest(repo, entry.digest);
      const manifest = JSON.parse(fetched.bytes.toString('utf8')) as ImageManifest;
      for (const d of [manifest.config, ...manifest.layers]) await layout.writeBlob(await client.openBlob(repo, d.digest), { digest: d.digest, size: d.size });
      await layout.writeBlob(fetched.bytes, { digest: fetched.digest, size: fetched.bytes.length });
    }
    await layout.writeBlob(root.bytes, { digest: root.digest, size: root.bytes.length });
    await layout.writeIndex({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: root.mediaType, digest: root.digest, size: root.bytes.length }] });
    return root.digest;
  } finally {
    client.close();
  }
}
