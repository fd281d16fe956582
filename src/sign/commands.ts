/** The `cosign verify` lines a run reports for the tags it pushed. Pure. */
import { parseReference } from '../registry/reference.js';

/**
 * The identity pattern for a workflow certificate: the SAN up to the `@ref`, anchored, so any ref
 * of that same workflow file verifies but no other workflow or repository does. A SAN without a
 * ref (an email, a plain URI) must match whole.
 */
export function identityRegexp(identity: string): string {
  const at = identity.lastIndexOf('@');
  return at > identity.indexOf('://') + 3 && identity.startsWith('https://') ? `^${escapeRegExp(identity.slice(0, at))}@` : `^${escapeRegExp(identity)}$`;
}

/** TEXT matched literally inside a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `cosign verify <tag>@<digest> --certificate-identity-regexp … --certificate-oidc-issuer …`, one per tag. */
export function cosignVerifyCommands(tags: string[], digest: string, identity: string, issuer: string, trustedRootPath?: string): string[] {
  return tags.map((tag) => {
    const ref = parseReference(tag);
    const name = `${ref.registry}/${ref.repository}:${ref.tag ?? 'latest'}@${digest}`;
    const args = ['cosign', 'verify', name, '--certificate-identity-regexp', identityRegexp(identity), '--certificate-oidc-issuer', issuer];
    if (trustedRootPath) args.push('--trusted-root', trustedRootPath);
    return args.map(shellWord).join(' ');
  });
}

/** A word as a POSIX shell reads it back: bare when plain, else single-quoted. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
