/** Removing what a run created; kept apart so post loads nothing else. */
import { exec } from '../exec.js';

/**
 * Removes a builder this run created; false when it is gone already (a docker-container builder
 * that could not start is removed at once, before the run falls back to the docker driver).
 * Any other failure throws with buildx's message.
 */
export async function removeBuilder(name: string): Promise<boolean> {
  const res = await exec('docker', ['buildx', 'rm', name]);
  if (res.code === 0) return true;
  const message = (res.stderr.trim() || res.stdout.trim()).split('\n').slice(-20).join('\n');
  if (isBuilderGone(message, name)) return false;
  throw new Error(message || `docker buildx rm exited with code ${res.code}`);
}

/** Pure: buildx's answer for a builder that does not exist (`no builder "x" found`). */
export function isBuilderGone(message: string, name: string): boolean {
  return message.includes(`no builder "${name}" found`) || message.includes(`no builder ${name} found`);
}
