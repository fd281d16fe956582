/**
 * The stack's Docker engines, side by side (scripts/stack.sh starts all three): the environment a
 * test gives the action or the CLI to talk to one, and a check that fails (never skips) when it
 * is not up.
 */
import { execFileSync } from 'node:child_process';

export const ENGINES = ['docker28-classic', 'docker28-containerd', 'docker26-containerd'] as const;
export type EngineName = (typeof ENGINES)[number];

const RUN_DIR = '/run/multiarch-stack';
const DOCKER26 = '/opt/multiarch-stack/docker26';

/** DOCKER_HOST, and for Docker 26 its own client first on PATH and a DOCKER_CONFIG whose cli-plugins hold buildx 0.13. */
export function engineEnv(name: EngineName): Record<string, string> {
  switch (name) {
    case 'docker28-containerd':
      return { DOCKER_HOST: 'unix:///var/run/docker.sock' };
    case 'docker28-classic':
      return { DOCKER_HOST: `unix://${RUN_DIR}/docker-classic.sock` };
    case 'docker26-containerd':
      return { DOCKER_HOST: `unix://${RUN_DIR}/docker26.sock`, PATH: `${DOCKER26}/client/bin:${process.env.PATH ?? ''}`, DOCKER_CONFIG: `${DOCKER26}/config` };
  }
}

export function requireEngine(name: EngineName): void {
  const env = { ...process.env, ...engineEnv(name) };
  try {
    execFileSync('docker', ['info'], { stdio: 'pipe', env });
    execFileSync('docker', ['buildx', 'version'], { stdio: 'pipe', env });
  } catch {
    throw new Error(`the ${name} engine is not running: run \`bash scripts/stack.sh up\` first (CI does this in .ci/run)`);
  }
}
