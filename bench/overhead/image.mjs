// What a run leaves behind: leg layouts on disk, and the pushed image read back from the registry.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Apparent bytes (sum of file sizes), bytes on disk (st_blocks × 512, like du) and file count. */
export function diskUsage(dir) {
  let apparent = 0;
  let onDisk = 0;
  let files = 0;
  const seen = new Set();
  const walk = (p) => {
    const st = fs.lstatSync(p, { bigint: false });
    if (st.isDirectory()) {
      onDisk += st.blocks * 512;
      for (const e of fs.readdirSync(p)) walk(path.join(p, e));
      return;
    }
    const key = `${st.dev}:${st.ino}`;
    if (seen.has(key)) return;
    seen.add(key);
    files++;
    apparent += st.size;
    onDisk += st.blocks * 512;
  };
  if (fs.existsSync(dir)) walk(dir);
  return { apparentBytes: apparent, diskBytes: onDisk, files };
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json'
].join(', ');

/**
 * Everything an image index pulls in, read back from the registry: the index, every child
 * manifest (platform images and attestation manifests), their configs and layers. Unique blobs.
 */
export async function imageBytes(registryUrl, repo, ref) {
  const seen = new Map();
  const get = async (r) => {
    const res = await fetch(`${registryUrl}/v2/${repo}/manifests/${r}`, { headers: { Accept: ACCEPT } });
    if (!res.ok) throw new Error(`registry answered ${res.status} for ${repo}@${r}`);
    const buf = Buffer.from(await res.arrayBuffer());
    return { digest: res.headers.get('docker-content-digest'), buf, body: JSON.parse(buf.toString('utf8')) };
  };
  const walk = async (r) => {
    const m = await get(r);
    seen.set(m.digest, m.buf.length);
    for (const child of m.body.manifests ?? []) if (!seen.has(child.digest)) await walk(child.digest);
    for (const d of [m.body.config, ...(m.body.layers ?? [])].filter(Boolean)) seen.set(d.digest, d.size);
  };
  const root = await get(ref);
  await walk(root.digest);
  const platforms = (root.body.manifests ?? []).filter((d) => d.platform && d.platform.os !== 'unknown').length;
  const attestations = (root.body.manifests ?? []).filter((d) => d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest').length;
  return { digest: root.digest, blobs: seen.size, bytes: [...seen.values()].reduce((a, b) => a + b, 0), platforms, attestations };
}
