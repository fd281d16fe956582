/**
 * The cross-compile rewrite's copy of the user's Dockerfile, in the run directory (the user's
 * file is never touched). BuildKit reads `<Dockerfile>.dockerignore` beside the Dockerfile ahead
 * of the context's `.dockerignore` (frontend/dockerui, "Dockerfile-specific ignore files"), so the
 * copy must carry that file under its own name too: otherwise what the user excluded for this
 * Dockerfile (`.env`, `vendor/`) enters the rewritten legs' context. Without one, the copy and the
 * original both fall back to the context's `.dockerignore`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Writes the rewritten text beside its ignore rules; returns the copy's path. */
export function writeRewrittenDockerfile(runDir: string, original: string, text: string): string {
  fs.mkdirSync(runDir, { recursive: true });
  const rewritten = path.join(runDir, 'Dockerfile.multiarch');
  fs.writeFileSync(rewritten, text);
  const ignore = dockerignoreOf(original);
  const copy = dockerignoreOf(rewritten);
  // Copied byte for byte, even when empty: an empty file also overrides the context's rules.
  if (fs.existsSync(ignore)) fs.copyFileSync(ignore, copy);
  else fs.rmSync(copy, { force: true });
  return rewritten;
}

/** The Dockerfile-specific ignore file BuildKit looks for: `api/Dockerfile` → `api/Dockerfile.dockerignore`. */
export function dockerignoreOf(dockerfile: string): string {
  return `${dockerfile}.dockerignore`;
}
