/**
 * For one leg: which stages the build reaches from the target, and which platform each of them
 * runs in. Stage references follow BuildKit: `FROM <stage>`, `COPY|ADD --from=<stage|index>` and
 * `RUN --mount=…,from=<stage>`; anything else after `--from` is an image, not a stage.
 */
import { BUILD_ARGS, TARGET_ARGS, expandWord, platformScope, resolveGlobalScope, type Scope } from './args.js';
import type { DockerfileModel, Stage } from './dockerfile.js';
import { canonicalPlatform } from './native.js';

/**
 * Where a stage's platform comes from: the target (the default, or `$TARGETPLATFORM`), the build
 * platform (`$BUILDPLATFORM` and friends), a literal such as `linux/amd64`, or a mix of both.
 */
export type PlatformOrigin = 'target' | 'build' | 'literal' | 'mixed';

/** A stage's platform for one leg. */
export interface StagePlatform {
  platform: string;
  origin: PlatformOrigin;
  /** The stage it inherits from (`FROM build AS x`), when it does. */
  parent?: Stage;
}

/** Something in the Dockerfile the planner could not resolve. */
export interface StageIssue {
  line: number;
  message: string;
}

/** Files one reachable stage takes from another: a `COPY --from` or a `RUN --mount=…,from=`. */
export interface StageLink {
  /** The stage that takes the files. */
  consumer: Stage;
  /** The stage they come from. */
  from: Stage;
  /** Paths in `from`, as written. */
  sources: string[];
  line: number;
  via: 'copy' | 'mount';
}

/** Reachable stages and their platforms for one leg. */
export interface StageGraph {
  target: Stage;
  /** Reachable stages in file order. */
  reachable: Stage[];
  platforms: Map<number, StagePlatform>;
  /** Base image of each reachable stage after following `FROM <stage>` and expanding ARGs. */
  rootImages: Map<number, string>;
  /** Every COPY --from / RUN --mount from= between reachable stages. */
  links: StageLink[];
  issues: StageIssue[];
}

/** Inputs for one leg. */
export interface LegContext {
  buildPlatform: string;
  targetPlatform: string;
  buildArgs: Readonly<Record<string, string>>;
  /** Stage name from `target`; the last stage when absent. */
  target?: string;
}

/** Resolve reachability and stage platforms for one leg. Throws on an unknown target. */
export function resolveStages(model: DockerfileModel, leg: LegContext): StageGraph {
  const scope = resolveGlobalScope(model.globalArgs, leg.buildArgs, platformScope(leg.buildPlatform, leg.targetPlatform));
  const target = findTarget(model, leg.target);
  const issues: StageIssue[] = [];

  const parentOf = (stage: Stage) => findStage(model, expandWord(stage.image, scope).value, stage.index);
  const seen = new Set<number>();
  const visit = (stage: Stage) => {
    if (seen.has(stage.index)) return;
    seen.add(stage.index);
    const refs = [stage.image, ...stage.copyFrom, ...stage.runs.flatMap((r) => r.mountFrom)];
    for (const ref of refs) {
      const dep = findStage(model, expandWord(ref, scope).value, stage.index);
      if (dep) visit(dep);
    }
  };
  visit(target);
  const reachable = model.stages.filter((s) => seen.has(s.index));

  // Stages only reference earlier stages, so file order resolves parents first.
  const platforms = new Map<number, StagePlatform>();
  const rootImages = new Map<number, string>();
  for (const stage of reachable) {
    const parent = parentOf(stage);
    if (parent) {
      // BuildKit builds on the parent stage's state, platform included; a --platform flag here has no effect.
      platforms.set(stage.index, { ...platforms.get(parent.index)!, parent });
      rootImages.set(stage.index, rootImages.get(parent.index)!);
      continue;
    }
    rootImages.set(stage.index, expandWord(stage.image, scope).value);
    platforms.set(stage.index, resolveFlag(stage, scope, leg.targetPlatform, issues));
  }
  const links: StageLink[] = [];
  for (const consumer of reachable) {
    const refs = [...consumer.copies.map((r) => ({ ...r, via: 'copy' as const })), ...consumer.runs.flatMap((r) => r.mounts.map((m) => ({ ...m, via: 'mount' as const })))];
    for (const ref of refs) {
      const from = findStage(model, expandWord(ref.from, scope).value, consumer.index);
      if (from) links.push({ consumer, from, sources: ref.sources, line: ref.line, via: ref.via });
    }
  }
  return { target, reachable, platforms, rootImages, links, issues };
}

function resolveFlag(stage: Stage, scope: Scope, targetPlatform: string, issues: StageIssue[]): StagePlatform {
  const target = { platform: canonicalPlatform(targetPlatform), origin: 'target' as const };
  if (!stage.platformFlag) return target;
  const e = expandWord(stage.platformFlag.value, scope);
  if (!e.value || e.unresolved.length) {
    const missing = e.unresolved.length ? `: ${e.unresolved.map((v) => `$${v}`).join(', ')} has no value` : '';
    issues.push({ line: stage.line, message: `could not resolve --platform=${stage.platformFlag.value} for stage ${stage.label}${missing}; assuming the target platform` });
    return target;
  }
  const fromBuild = BUILD_ARGS.some((a) => e.refs.has(a));
  const fromTarget = TARGET_ARGS.some((a) => e.refs.has(a));
  const origin: PlatformOrigin = fromBuild && fromTarget ? 'mixed' : fromBuild ? 'build' : fromTarget ? 'target' : 'literal';
  return { platform: canonicalPlatform(e.value), origin };
}

function findTarget(model: DockerfileModel, target: string | undefined): Stage {
  if (!target) return model.stages[model.stages.length - 1]!;
  const wanted = target.toLowerCase();
  const stage = model.stages.find((s) => s.name === wanted);
  if (!stage) {
    const names = model.stages.map((s) => s.name).filter(Boolean);
    throw new Error(`target "${target}" is not a stage of the Dockerfile${names.length ? ` (stages: ${names.join(', ')})` : ' (it has no named stages)'}`);
  }
  return stage;
}

/** The earlier stage a reference names (by `AS` name or index), or undefined for an image. */
export function findStage(model: DockerfileModel, ref: string, before: number): Stage | undefined {
  const wanted = ref.trim().toLowerCase();
  if (/^\d+$/.test(wanted)) {
    const index = Number(wanted);
    return index < before ? model.stages[index] : undefined;
  }
  return model.stages.find((s) => s.index < before && s.name === wanted);
}

/** The stage and the stages it builds on (`FROM <stage>`), nearest first; the last is the root that names an image. */
export function stageChain(graph: StageGraph, stage: Stage): Stage[] {
  const chain = [stage];
  for (let p = graph.platforms.get(stage.index)?.parent; p; p = graph.platforms.get(p.index)?.parent) chain.push(p);
  return chain;
}
