/** Removing what a run created; kept apart so post loads nothing else. */
import { execOk } from '../exec.js';

export async function removeBuilder(name: string): Promise<void> {
  await execOk('docker', ['buildx', 'rm', name]);
}
