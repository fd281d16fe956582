/**
 * Built legs → index → where it is checked (the registry, or a layout on disk) → verification →
 * smoke test → tags. Shared by the `all` mode (legs built here) and the `merge` mode (legs built
 * by other jobs and already pushed by digest).
 */
import * as path from 'node:path';
import { composeIndex, indexAnnotations, indexDescriptorAnnotations } from '../build/merge.js';
import { moveTags, PartialTagMoveError, recordTagMoves, pushByDigest, putIndex, remoteSource, resolveDestinations, tagLayout, writeMergedLayout, type Destination } from '../build/publish.js';
import { loadLayout, loadPlatform, loadVerified } from '../build/load.js';
import { resolveFilesRoot, writeFilesOutput } from '../build/files.js';
import { writeImageOutput } from '../build/image-outputs.js';
import { isBuildOnly, isFilesOutput } from '../config/outputs.js';
import { exec } from '../exec.js';
import { formatPlatform, hostPlatform } from '../platform.js';
import { probeEngine } from '../setup/engine.js';
import type { ImageStore } from '../types/engine.js';
import type { Io } from '../types/io.js';
import type { OciLayout } from '../registry/layout.js';
import type { ImageSource } from '../registry/source.js';
import type { Config } from '../types/config.js';
import type { MergedIndex, RunReport, Tagged, Verification } from '../types/plan.js';
import { verifyImage } from '../verify/checks.js';
import { verifyOptionsFor } from '../verify/binaries/options.js';
import { runSmoke } from '../verify/smoke-run.js';
import { readProgramOrigin } from '../verify/dockerfile-origin.js';
import { failsOnChecks } from '../verify/outcome.js';
import { isSbomRequested, readSboms } from '../verify/sbom.js';
import type { RequiredSignatures, Signing } from '../types/sign.js';
import { signVerified } from './sign.js';
import { attestVerified } from './attest.js';
import { checkRequiredSignatures, requiredSignaturesError } from './required-signatures.js';
import type { Attesting } from '../types/attest.js';

export interface MergeContext {
  runDir: string;
  runId: string;
  /** The legs' manifests are in the registry already (merge mode): only the index is PUT. */
  legsPushed: boolean;
}

/** Throws when verification fails under `verify: strict`, after the report has everything. */
export async function mergeAndTag(config: Config, io: Io, report: RunReport, ctx: MergeContext): Promise<void> {
  const index = composeIndex(report.legs, indexAnnotations(config.annotations), indexDescriptorAnnotations(config.annotations));
  report.index = index;

  const notes = new Map<number, string>();
  const noteOf = (i: number, note: string) => {
    notes.set(i, note);
    report.outputs = config.exports.flatMap((_, j) => (notes.has(j) ? [{ output: config.outputs[j]!, note: notes.get(j)! }] : []));
  };
  if (isBuildOnly(config)) {
    // The index was never delivered anywhere: no digest to hand on (BPA's outputs are empty too).
    delete report.index;
    config.exports.forEach((_, i) => noteOf(i, 'build only (cache export): nothing to push or verify'));
    io.info('outputs type=cacheonly: build only; nothing pushed, written or verified');
    return;
  }
  const files = config.exports.map((e, i) => ({ e, i })).filter((x): x is { e: Extract<typeof x.e, { type: 'local' | 'tar' }>; i: number } => isFilesOutput(x.e));
  if (files.length) {
    // The build's files, not an image: written as they are, with nothing to verify.
    await io.group('Write files', async () => {
      for (const { e, i } of files) {
        const what = await writeFilesOutput(e, resolveFilesRoot(ctx.runDir), report.legs.map((l) => l.platform.platform));
        io.info(`${config.outputs[i]}: ${what}`);
        noteOf(i, `files only (${what}): not an image, nothing to verify for this output`);
      }
    });
  }

  let source: ImageSource;
  let dests: Destination[] = [];
  let layout: OciLayout | undefined;
  const imageFiles = config.exports.some((e) => e.type === 'docker' || (e.type === 'oci' && e.tar));
  // The layout is the user's (outDir) without push when no output says otherwise, or when one names it.
  const layoutKept = config.push ? config.exports.some((e) => e.type === 'oci' && !e.tar) : config.keepLayout;
  if (config.push) {
    dests = await resolveDestinations(config.tags, (v) => io.secret(v));
    await io.group('Push by digest', async () => {
      if (ctx.legsPushed) {
        await putIndex(index, dests);
        io.info(`index ${index.digest} pushed to ${dests.map((d) => `${d.client.registry}/${d.repo}`).join(', ')}`);
        return;
      }
      const stats = await pushByDigest(report.legs, index, dests);
      const pushed = stats.reduce((n, s) => n + s.blobsPushed, 0);
      const skipped = stats.reduce((n, s) => n + s.blobsSkipped + s.blobsMounted, 0);
      io.info(`index ${index.digest}: ${pushed} blobs uploaded, ${skipped} already present or mounted`);
    });
    source = remoteSource(dests[0]!);
    // load and image files need the image on disk too; the registry stays the source the checks read.
    if (config.load || imageFiles || layoutKept) layout = await writeMergedLayout(report.legs, index, layoutKept ? config.outDir : path.join(ctx.runDir, 'merged'));
  } else {
    layout = await writeMergedLayout(report.legs, index, layoutKept ? config.outDir : path.join(ctx.runDir, 'merged'));
    source = layout;
  }
  if (layoutKept) report.layout = config.outDir;
  // Only files left the run: the index digest names an image no one can pull (BPA hands on none either).
  if (files.length > 0 && files.length === config.exports.length && !config.push && !config.load && !layoutKept) report.filesOnly = true;

  report.verification = await io.group('Verify', async () => verify(config, source, index.digest));
  if (isSbomRequested(config.sbom, config.attests)) report.sboms = await readSboms(source, report.legs, { classicStore: report.builder?.legExport === 'docker-load' });
  if (config.smoke && report.verification) {
    const v = report.verification;
    await io.group('Smoke test', async () => {
      const store = config.push ? undefined : await engineStore(report);
      const images = config.push ? undefined : await loadForSmoke(layout!, index, v.platforms.map((p) => p.platform), store, ctx);
      try {
        for (const p of v.platforms) {
          const image = images ? images[p.platform]! : `${dests[0]!.client.registry}/${dests[0]!.repo}@${index.digest}`;
          const check = await runSmoke(image, p.platform, { ...config.smoke!, network: config.network }, config.push ? 'missing' : 'never');
          io.info(`${p.platform}: ${check.ok ? 'ok' : 'FAILED'}: ${check.actual ?? ''}`);
          p.checks.push(check);
          p.ok = p.ok && check.ok;
        }
        v.ok = v.platforms.every((p) => p.ok) && v.extra.length === 0;
      } finally {
        for (const image of new Set(Object.values(images ?? {}))) await exec('docker', ['image', 'rm', image]);
      }
    });
  }
  // Exactly the verified digests, before any tag points at them.
  report.signing = await signVerified(config, io, report, dests);
  report.attesting = await attestVerified(config, io, report, dests);
  report.requiredSignatures = await checkRequiredSignatures(config, io, report, dests);
  report.tagged = await io.group('Tag', async () => {
    let t = decideTagging(config, report.verification, report.signing, report.attesting, report.requiredSignatures);
    if (!t.moved) {
      io.info(t.reason ?? 'no tags moved');
      config.exports.forEach((e, i) => {
        if (e.type === 'docker' || (e.type === 'oci' && e.tar)) noteOf(i, 'not written: verification failed');
      });
      return t;
    }
    // push-by-digest=true (buildx's multi-runner pattern): the image stays untagged; a later job tags it by digest.
    const byDigest = config.push && config.pushByDigest;
    if (config.push && !byDigest) {
      try {
        const moves = await moveTags(index, dests);
        t = recordTagMoves(t, moves);
      } catch (err) {
        // Some tags moved, some did not: the report says which, then the run fails.
        if (err instanceof PartialTagMoveError) report.tagged = recordTagMoves(t, err);
        throw err;
      }
    }
    if (layout) await tagLayout(layout, index, config.tags);
    const built = index.platforms.map((d) => (d.platform ? formatPlatform(d.platform) : 'unknown'));
    if (config.load && layout) {
      const what = await loadVerified(layout, index, { store: await engineStore(report), platforms: built, host: hostPlatform(), tags: config.tags, scratch: path.join(ctx.runDir, 'load') });
      io.info(`loaded into the Docker image store${config.tags.length ? ` as ${config.tags.join(', ')}` : ' (untagged)'}: ${what}`);
    }
    for (const [i, e] of config.exports.entries()) {
      if (!layout || (e.type !== 'docker' && !(e.type === 'oci' && e.tar))) continue;
      const what = await writeImageOutput(e, { layout, index, tags: config.tags, store: () => engineStore(report), platforms: built, host: hostPlatform(), scratch: path.join(ctx.runDir, `output-${i}`) });
      io.info(`${config.outputs[i]}: ${what}`);
      noteOf(i, what);
    }
    if (t.reason) io.warning(t.reason);
    if (byDigest) {
      const where = dests.map((d) => `${d.client.registry}/${d.repo}@${index.digest}`).join(', ');
      io.info(`push-by-digest: no tag moved; the image is ${where}`);
      return { ...t, moved: false, reason: [t.reason, `push-by-digest: pushed by digest only, no tag moved (${where})`].filter(Boolean).join('; ') };
    }
    io.info(`tagged ${t.tags.join(', ') || '(layout only)'}`);
    return t;
  });
  if (report.verification && !report.verification.ok && config.verify === 'strict') {
    const bad = report.verification.platforms.filter((p) => !p.ok);
    const first = bad[0]?.checks.find((c) => !c.ok && !c.skipped);
    if (!failsOnChecks(config)) {
      // Nothing is delivered (no push, load, tags or image outputs): say it, without failing the step.
      io.warning(`verification failed for ${bad.map((p) => p.platform).join(', ') || 'the index'}${first ? `: ${first.name}: ${first.actual}` : ''}. Not failing the step: this build delivers no image (no push, load, tags or image outputs); set verify: strict to fail it.`);
      return;
    }
    throw new Error(`verification failed for ${bad.map((p) => p.platform).join(', ') || 'the index'}${first ? `: ${first.name}: expected ${first.expected}, got ${first.actual}` : ''}; no tag moved`);
  }
  const s = report.signing;
  if (s?.required && !s.ok) throw new Error(`sign is true, but ${s.error ?? s.skipped ?? 'signing failed'}${report.tagged?.moved ? '' : '; no tag moved'}`);
  const at = report.attesting;
  if (at && !at.ok) throw new Error(`attest is true, but ${at.error ?? at.skipped ?? 'attesting failed'}${report.tagged?.moved ? '' : '; no tag moved'}`);
  const unsigned = report.requiredSignatures && requiredSignaturesError(report.requiredSignatures, !!report.tagged?.moved);
  if (unsigned) throw new Error(unsigned);
}

async function verify(config: Config, source: ImageSource, digest: string): Promise<Verification | undefined> {
  if (config.verify === 'off') return undefined;
  const origin = readProgramOrigin(config.file, config.target);
  return verifyImage(source, digest, config.platforms, { ...verifyOptionsFor(config), ...(origin ? { origin } : {}) });
}

/**
 * The layout has no registry to run from: load it under throwaway names for the smoke test. The
 * containerd store takes every platform under one name; the classic store one platform per name.
 */
async function loadForSmoke(layout: OciLayout, index: MergedIndex, platforms: string[], store: ImageStore | undefined, ctx: MergeContext): Promise<Record<string, string>> {
  const name = `multiarch-smoke/${ctx.runId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}:check`;
  const out: Record<string, string> = {};
  if (store === 'classic') {
    for (const p of platforms) {
      out[p] = `${name}-${p.replace(/\//g, '-')}`;
      await loadPlatform(layout, index, p, [out[p]!], path.join(ctx.runDir, 'smoke-load'));
    }
    return out;
  }
  await tagLayout(layout, index, [name]);
  await loadLayout(layout.dir, path.join(ctx.runDir, 'smoke.tar'));
  await tagLayout(layout, index, []);
  for (const p of platforms) out[p] = name;
  return out;
}

/** The store the legs' builder reported, or (merge mode, no builder here) the engine's own. */
async function engineStore(report: RunReport): Promise<ImageStore | undefined> {
  if (!report.engine) report.engine = await probeEngine();
  return report.engine.store;
}

/** Pure: tags move when every check passed (and required signing and attesting succeeded), or when the user asked to tag anyway. */
export function decideTagging(config: Config, v: Verification | undefined, signing?: Signing, attesting?: Attesting, required?: RequiredSignatures): Tagged {
  const tags = config.tags;
  if (v && !v.ok) {
    return config.verify === 'warn' ? { tags, moved: true, reason: 'verification failed but verify is "warn": tags moved anyway' } : { tags, moved: false, reason: 'verification failed: no tag moved (verify: strict)' };
  }
  // What was asked for after verification and failed, the first of them: each holds tags back alike.
  const failed =
    signing?.required && !signing.ok
      ? { what: 'signing failed', input: 'sign: true' }
      : attesting && !attesting.ok
        ? { what: 'attestation failed', input: 'attest: true' }
        : required && !required.ok && !required.skipped
          ? { what: 'signature check failed', input: 'verify-signatures' }
          : undefined;
  if (!failed) return { tags, moved: true };
  return config.verify === 'strict' ? { tags, moved: false, reason: `${failed.what}: no tag moved (${failed.input}, verify: strict)` } : { tags, moved: true, reason: `${failed.what} but verify is "warn": tags moved anyway` };
}
