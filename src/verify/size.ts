/**
 * The `size` check: what a machine of this platform downloads (manifest + config + compressed
 * layers). Informational; it always passes, and the report shows the number.
 */
import type { Check } from '../types/plan.js';
import type { ImageManifest } from '../types/oci.js';

/** Builds the size check from the manifest's own byte length and its descriptors. */
export function sizeCheck(manifest: ImageManifest, manifestBytes: number): Check {
  const layers = manifest.layers.reduce((sum, l) => sum + l.size, 0);
  const total = manifestBytes + manifest.config.size + layers;
  return {
    name: 'size',
    ok: true,
    actual: `${formatBytes(total)} (${total} bytes)`,
    detail: `compressed: manifest ${manifestBytes} B + config ${manifest.config.size} B + ${manifest.layers.length} layer${manifest.layers.length === 1 ? '' : 's'} ${layers} B`
  };
}

/** 1536 → `1.5 KiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
