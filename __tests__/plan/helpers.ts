/** Shared helpers for the planner tests: a Dockerfile from lines, and decide() with defaults. */
import { contextFromMap } from '../../src/plan/context.js';
import { decide, type DecideInput } from '../../src/plan/decide.js';
import type { Plan } from '../../src/types/plan.js';

/** A Dockerfile from its lines, so line numbers in expectations are the array index + 1. */
export function df(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** decide() on an amd64 host building amd64 + arm64 with cross-compile auto, unless overridden. */
export function plan(dockerfileText: string, over: Partial<DecideInput> & { files?: Record<string, string> } = {}): Plan {
  const { files, ...rest } = over;
  return decide({
    dockerfileText,
    dockerfilePath: 'Dockerfile',
    contextFiles: files ? contextFromMap(files) : undefined,
    platforms: ['linux/amd64', 'linux/arm64'],
    buildArgs: {},
    nativePlatforms: ['linux/amd64'],
    crossCompile: 'auto',
    image: 'ghcr.io/acme/app',
    ...rest
  });
}

export const GO_FILES = { 'go.mod': 'module example.com/app\n\ngo 1.22\n', 'main.go': 'package main\n\nfunc main() {}\n' };
