/** The `gh attestation verify` lines a run reports for the tags it pushed. Pure. */
import { parseReference } from '../registry/reference.js';
import { shellWord } from '../sign/commands.js';

export interface GhVerifyOptions {
  /** `owner/repo` the attestations belong to (`-R`). */
  repository: string;
  /** A private Sigstore instance's trusted_root.json (`--custom-trusted-root`). */
  trustedRootPath?: string;
}

/** `gh attestation verify oci://REGISTRY/REPO:TAG -R OWNER/REPO`, one per tag (the tag resolves to the index). */
export function ghVerifyCommands(tags: string[], opts: GhVerifyOptions): string[] {
  return tags.map((tag) => {
    const ref = parseReference(tag);
    const args = ['gh', 'attestation', 'verify', `oci://${ref.registry}/${ref.repository}:${ref.tag ?? 'latest'}`, '-R', opts.repository];
    if (opts.trustedRootPath) args.push('--custom-trusted-root', opts.trustedRootPath);
    return args.map(shellWord).join(' ');
  });
}
