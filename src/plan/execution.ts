/**
 * For one leg: every reachable RUN, the platform it executes in, and whether that needs QEMU on
 * the machine that builds the leg. This is the fact the strategy is derived from.
 */
import { imageLanguage } from './classify.js';
import type { DockerfileModel, RunStep, Stage } from './dockerfile.js';
import { isNativeOn, type Machine } from './native.js';
import { readRun, type RunSummary } from './run-commands.js';
import { resolveStages, type StageGraph, type StagePlatform } from './stages.js';

/** A reachable RUN and where it executes. */
export interface StepExecution {
  stage: Stage;
  run: RunStep;
  /** Platform the RUN executes in (its stage's platform). */
  platform: string;
  stagePlatform: StagePlatform;
  /** The machine can't execute `platform` natively: QEMU runs it. */
  emulated: boolean;
  /** The RUN is in the stage that becomes the image. */
  inFinalStage: boolean;
  what: RunSummary;
}

/** One leg, analysed. */
export interface LegAnalysis {
  platform: string;
  machine: Machine;
  graph: StageGraph;
  steps: StepExecution[];
}

/** Analyse one leg of the build. */
export function analyzeLeg(
  model: DockerfileModel,
  platform: string,
  machine: Machine,
  buildArgs: Readonly<Record<string, string>>,
  target?: string
): LegAnalysis {
  const graph = resolveStages(model, { buildPlatform: machine.buildPlatform, targetPlatform: platform, buildArgs, target });
  const steps: StepExecution[] = [];
  for (const stage of graph.reachable) {
    const stagePlatform = graph.platforms.get(stage.index)!;
    const hint = imageLanguage(graph.rootImages.get(stage.index) ?? '');
    for (const run of stage.runs) {
      steps.push({
        stage,
        run,
        platform: stagePlatform.platform,
        stagePlatform,
        emulated: !isNativeOn(machine.platforms, stagePlatform.platform),
        inFinalStage: stage.index === graph.target.index,
        what: readRun(run, hint)
      });
    }
  }
  return { platform, machine, graph, steps };
}
