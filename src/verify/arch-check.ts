/**
 * The `entrypoint-arch` and `interpreter` checks, built from a program trace (pure: the reading
 * happened in entrypoint.ts). Every ELF the kernel executes on the way (the program, a script's
 * interpreter, the program env starts) must be for the platform, and every dynamic one needs its
 * loader in the image: a missing loader is the "exec …: no such file or directory" that puzzles
 * people because the binary is right there.
 */
import type { Check } from '../types/plan.js';
import { describeElf, describeExpected, matchesPlatform } from './elf.js';
import type { ProgramTrace, TraceStep } from './entrypoint.js';
import { describeLayer } from './layers.js';
import type { DockerfileProgramOrigin } from './dockerfile-origin.js';

/** Both checks for one platform; skipped checks when the image has no ENTRYPOINT or CMD. */
export function entrypointChecks(trace: ProgramTrace | undefined, platform: string, origin?: DockerfileProgramOrigin): Check[] {
  if (!trace) {
    const detail = 'The image config sets neither ENTRYPOINT nor CMD, so there is no program to check.';
    return [
      { name: 'entrypoint-arch', ok: true, skipped: true, detail },
      { name: 'interpreter', ok: true, skipped: true, detail }
    ];
  }
  return [archCheck(trace, platform, origin), interpreterCheck(trace, platform)];
}

/**
 * A shell-form ENTRYPOINT or CMD in an image with no shell (FROM scratch, distroless): the
 * runtime starts /bin/sh, which is not there. Said as the Dockerfile says it, with its line when
 * the Dockerfile is known; undefined for any other trace.
 */
function missingShell(trace: ProgramTrace, origin: DockerfileProgramOrigin | undefined): string | undefined {
  const { choice } = trace;
  if (choice.shellCommand === undefined) return undefined;
  const missing = trace.problems.find((p) => p.role === `${choice.source}[0]` && p.short === 'not found');
  if (!missing) return undefined;
  const keyword = choice.source === 'Entrypoint' ? 'ENTRYPOINT' : 'CMD';
  const line = (choice.source === 'Entrypoint' ? origin?.entrypoint : origin?.cmd)?.line;
  return `shell-form ${keyword}${origin && line ? ` at ${origin.file}:${line}` : ''} runs ${choice.program}, which the image does not have`;
}

function archCheck(trace: ProgramTrace, platform: string, origin?: DockerfileProgramOrigin): Check {
  const expected = describeExpected(platform);
  const shellMissing = missingShell(trace, origin);
  if (shellMissing) {
    const keyword = trace.choice.source === 'Entrypoint' ? 'ENTRYPOINT' : 'CMD';
    const program = trace.choice.commandProgram ?? 'your-program';
    const fix = `Write it in exec form (${keyword} ["${program}"]), which the runtime starts without a shell, or build FROM an image that has ${trace.choice.program}.`;
    return { name: 'entrypoint-arch', ok: false, expected, actual: shellMissing, detail: `${shellMissing}. ${fix} Starting the container fails with "exec ${trace.choice.program}: no such file or directory".` };
  }
  return archCheckOf(trace, platform, expected);
}

function archCheckOf(trace: ProgramTrace, platform: string, expected: string): Check {
  const elfSteps = trace.steps.filter((s) => s.elf);
  const matches = elfSteps.map((step) => ({ step, match: matchesPlatform(step.elf!, platform) }));
  const bad = matches.filter((m) => !m.match.ok);
  const notes: string[] = [];
  if (trace.choice.shellCommand !== undefined) {
    notes.push(
      `Shell form: the runtime starts the shell ${trace.choice.program}, which runs "${clip(trace.choice.shellCommand)}"` +
        (trace.choice.commandProgram ? `; its first word ${trace.choice.commandProgram} is checked too.` : '; the command itself is not analysed.')
    );
  }
  notes.push(`${trace.steps.map(describeStep).join(' → ') || `${trace.choice.program} (not found)`}.`);
  for (const p of trace.problems) notes.push(p.message);
  for (const { step, match } of bad) notes.push(`${step.file.path}: ${match.detail}. ${fixHint(step, platform)}`);
  for (const { step, match } of matches) if (match.ok && match.detail) notes.push(`${step.file.path}: ${match.detail}.`);
  if (elfSteps.length === 0 && trace.problems.length === 0) notes.push('No ELF binary was reached, so nothing was compared.');

  const ok = bad.length === 0 && trace.problems.length === 0 && elfSteps.length > 0;
  const first = elfSteps[0];
  const actual = bad[0]
    ? bad[0].match.actual
    : trace.problems[0]
      ? `${trace.problems[0].short}: ${trace.problems[0].name}`
      : first?.elf
        ? describeElf(first.elf)
        : 'no ELF binary';
  return { name: 'entrypoint-arch', ok, expected, actual, detail: notes.join(' ') };
}

function interpreterCheck(trace: ProgramTrace, platform: string): Check {
  const elfSteps = trace.steps.filter((s) => s.elf);
  if (elfSteps.length === 0) {
    return { name: 'interpreter', ok: true, skipped: true, detail: 'No ELF binary was reached (see entrypoint-arch), so there is no loader to check.' };
  }
  const dynamic = elfSteps.filter((s) => s.elf!.linkage !== 'static');
  if (dynamic.length === 0) {
    const names = elfSteps.map((s) => s.file.path).join(', ');
    return { name: 'interpreter', ok: true, expected: 'no loader, or the loader in the image', actual: 'statically linked (no PT_INTERP)', detail: `${names}: no dynamic loader needed.` };
  }
  const failures: string[] = [];
  const found: string[] = [];
  const notes: string[] = [];
  for (const step of dynamic) {
    const elf = step.elf!;
    const loader = step.loader;
    if (!elf.interpreter || !loader) {
      notes.push(`${step.file.path}: its program headers lie beyond the bytes read, so the loader was not checked.`);
      continue;
    }
    const where = `${step.file.path} (${describeLayer(step.file.layer, step.file.layerCount)})`;
    if (!loader.lookup.found) {
      failures.push(
        `${where} is dynamically linked, and the kernel starts its loader ${loader.path} first. That loader is not in the image (${loader.lookup.reason}), ` +
          `so running it fails with "exec ${step.file.path}: no such file or directory" although the file exists. ${loaderHint(loader.path)}`
      );
      continue;
    }
    const at = `${loader.path}${loader.lookup.file.path !== loader.path ? ` → ${loader.lookup.file.path}` : ''} (${describeLayer(loader.lookup.file.layer, loader.lookup.file.layerCount)})`;
    if (loader.problem) {
      failures.push(`${where} needs the loader ${loader.path}, but ${loader.problem}.`);
      continue;
    }
    const match = loader.elf ? matchesPlatform(loader.elf, platform) : undefined;
    if (match && !match.ok) {
      failures.push(`${where} needs the loader ${at}, which is ${match.actual}: ${match.detail}. The base image's libc is for the wrong platform; check its FROM --platform.`);
      continue;
    }
    found.push(at);
  }
  const expected = [...new Set(dynamic.map((s) => s.elf!.interpreter).filter(Boolean))].join(', ') + ' present';
  if (failures.length) {
    const missing = dynamic.filter((s) => s.loader && !s.loader.lookup.found).map((s) => s.loader!.path);
    return { name: 'interpreter', ok: false, expected, actual: missing.length ? `missing: ${[...new Set(missing)].join(', ')}` : 'unusable loader', detail: [...failures, ...notes].join(' ') };
  }
  return { name: 'interpreter', ok: true, expected, actual: found.join('; ') || 'not checked', detail: notes.join(' ') || undefined };
}

/**
 * `/usr/local/bin/hello from layer 2 of 2`, plus the links followed and the #! line. The program
 * named by ENTRYPOINT/CMD goes unlabelled; everything it leads to says why it runs.
 */
function describeStep(step: TraceStep, _index: number, steps: TraceStep[]): string {
  const parts = [`${step.file.path} from ${describeLayer(step.file.layer, step.file.layerCount)}`];
  if (step.file.hops.length) parts.push(`(via ${step.file.hops.join(', ')})`);
  if (step.shebang) parts.push(`(#!${step.shebang.line.trim()})`);
  const text = parts.join(' ');
  return step === steps[0] && /^(Entrypoint|Cmd)\[0\]$/.test(step.role) ? text : `${step.role}: ${text}`;
}

function fixHint(step: TraceStep, platform: string): string {
  // Right architecture, too new an ARM version: matchesPlatform's detail already names the fix.
  if (step.elf?.arch === platform.split('/')[1]) {
    return 'Take the version from $TARGETVARIANT rather than hardcoding it (Go: GOARM=${TARGETVARIANT#v}).';
  }
  if (step.role.startsWith('#!') || step.role.includes('run by env')) {
    return (
      `This interpreter must be built for the target platform too: if it comes from the base image, check that the FROM image is built for the target platform ` +
      `(FROM --platform=$TARGETPLATFORM, or no --platform at all); if it is copied or downloaded in, build it or pick its URL by $TARGETARCH.`
    );
  }
  return (
    `Build this binary for the target platform: cross-compile in a FROM --platform=$BUILDPLATFORM stage with the target from $TARGETOS/$TARGETARCH ` +
    `(Go: GOOS=$TARGETOS GOARCH=$TARGETARCH), or pick a download URL by $TARGETARCH instead of hardcoding one architecture.`
  );
}

function loaderHint(path: string): string {
  if (path.includes('ld-musl')) return 'It was linked against musl (Alpine): run it on an Alpine-based image, or link it statically.';
  if (path.includes('ld-linux') || path.includes('ld64.so') || path.includes('ld.so')) {
    return 'It was linked against glibc: use a glibc base image (Debian, Ubuntu, distroless/base) for this platform, or link it statically (Go: CGO_ENABLED=0).';
  }
  return 'Use a base image that provides this loader, or link the binary statically.';
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
