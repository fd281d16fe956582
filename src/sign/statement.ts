/**
 * What an image signature signs, as cosign v3 does it (`cosign sign`, new bundle format): an
 * in-toto Statement v1 whose one subject is the image digest, predicate type
 * `https://sigstore.dev/cosign/sign/v1`, empty predicate, carried in a DSSE envelope of payload
 * type `application/vnd.in-toto+json`. `cosign verify` checks the bundle's signature, then that a
 * subject's sha256 equals the digest it was asked about.
 */
import { digestAlgorithm, digestHex } from '../registry/digest.js';
import { COSIGN_SIGN_PREDICATE, IN_TOTO_STATEMENT_V1 } from '../types/sign.js';

/** An in-toto Statement v1, as far as a signature check reads it. */
export interface Statement {
  _type: string;
  subject: Array<{ name?: string; digest: Record<string, string> }>;
  predicateType: string;
  predicate?: unknown;
}

/** The statement that signs `digest` (a manifest or index digest), as bytes. */
export function imageSignatureStatement(digest: string): Buffer {
  const statement: Statement = {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ digest: { [digestAlgorithm(digest)]: digestHex(digest) } }],
    predicateType: COSIGN_SIGN_PREDICATE,
    predicate: {}
  };
  return Buffer.from(JSON.stringify(statement));
}

/**
 * Why `payload` does not sign `digest` as an image signature, or undefined when it does: it must
 * be an in-toto v1 statement, of cosign's sign predicate, with a subject of exactly that digest.
 */
export function statementProblem(payload: Buffer, digest: string, predicateType: string = COSIGN_SIGN_PREDICATE): string | undefined {
  let doc: Partial<Statement>;
  try {
    doc = JSON.parse(payload.toString('utf8')) as Partial<Statement>;
  } catch {
    return 'the signed payload is not JSON';
  }
  if (doc._type !== IN_TOTO_STATEMENT_V1) return `the signed payload is not an in-toto Statement v1 (_type ${JSON.stringify(doc._type)})`;
  if (doc.predicateType !== predicateType) return `the statement's predicateType is ${JSON.stringify(doc.predicateType)}, not ${predicateType}`;
  const algorithm = digestAlgorithm(digest);
  const hex = digestHex(digest);
  const subjects = Array.isArray(doc.subject) ? doc.subject : [];
  if (subjects.some((s) => s && typeof s === 'object' && s.digest?.[algorithm] === hex)) return undefined;
  const named = subjects.map((s) => Object.entries(s?.digest ?? {}).map(([a, h]) => `${a}:${h}`).join('|')).join(', ');
  return `the statement signs ${named || 'no subject'}, not ${digest}`;
}
