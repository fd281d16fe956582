/**
 * The TypeScript half of `npm run bench:binaries` (bench/binaries.mjs), bundled with ncc at bench
 * start so the benchmark runs the project's own code from src/: one verifyImage run at a given
 * binary-check scope, timed, with the bytes it read. Cold copies come from bench/verify/lib.ts.
 */
import { performance } from 'node:perf_hooks';
import { RegistryClient } from '../../src/registry/client.js';
import { RemoteSource } from '../../src/registry/remote.js';
import { verifyImage } from '../../src/verify/checks.js';

export { coldCopy } from '../verify/lib.js';

export interface ScopeTiming {
  ms: number;
  bytesRead: number;
  ok: boolean;
  /** `linux/arm64 binaries ok: 1234 ELF files, all arm64`, … */
  checks: string[];
  warnings: number;
}

/** verifyImage with `verify-binaries: <scope>` on `repo:ref`, through a new client (nothing cached). */
export async function timeScope(registry: string, repo: string, ref: string, platforms: string[], scope: 'all' | 'entrypoint' | 'off'): Promise<ScopeTiming> {
  const client = new RegistryClient({ registry });
  try {
    const source = new RemoteSource(client, repo);
    const t0 = performance.now();
    const v = await verifyImage(source, ref, platforms, scope === 'off' ? { entrypoint: false } : { entrypoint: true, binaries: { scope, ignore: [] } });
    const ms = performance.now() - t0;
    const checks = v.platforms.flatMap((p) => p.checks.filter((c) => !['size', 'present', 'config'].includes(c.name)).map((c) => `${p.platform} ${c.name} ${c.skipped ? 'skip' : c.ok ? 'ok' : 'FAIL'}: ${c.actual ?? c.detail ?? ''}`));
    const warnings = v.platforms.reduce((n, p) => n + p.checks.reduce((m, c) => m + (c.warnings?.length ?? 0), 0), 0);
    return { ms, bytesRead: source.bytesRead(), ok: v.ok, checks, warnings };
  } finally {
    client.close();
  }
}
