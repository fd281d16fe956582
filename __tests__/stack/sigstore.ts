/**
 * STAND-IN for a Sigstore instance (Fulcio, Rekor, a timestamp authority), which the tests cannot
 * reach: one node:http server on 127.0.0.1 serving @sigstore/mock's handlers with keys made for
 * this run, and a trusted_root.json for those keys written to a temp file.
 *
 *   POST /api/v2/signingCert   Fulcio: certificate for the OIDC token's identity
 *   POST /api/v1/log/entries   Rekor v1: a dsse / hashedrekord entry with inclusion proof and SET
 *   POST /api/v1/timestamp     RFC 3161 timestamp authority
 *
 * @sigstore/mock's Fulcio only decodes the JWT. In front of it this stand-in does what real
 * Fulcio does for a GitHub token: it checks the ES256 signature against the ID-token stand-in's
 * key, the issuer, the `sigstore` audience and expiry, and the proof of possession (the `sub`
 * claim signed with the key being certified); then it names the certificate's SAN
 * `https://github.com/<job_workflow_ref>`, as Fulcio's GitHub issuer does. And @sigstore/mock's
 * Rekor logs the proposed entry as it came; real Rekor logs a DSSE proposal in its canonical form
 * (hashes and signatures, not the envelope), which is what verifiers compare: so does this one.
 */
import { createHash, createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, initializeTSA, rekorHandler, tsaHandler, type HandlerFn } from '@sigstore/mock';
import { HashAlgorithm, PublicKeyDetails, TrustedRoot } from '@sigstore/protobuf-specs';
import { ACTIONS_ISSUER } from './id-token.js';
import { readRequestBody } from './http.js';

export interface SigstoreStandIn {
  /** `http://127.0.0.1:PORT`: Fulcio, Rekor and the TSA all live here. */
  url: string;
  /** trusted_root.json for this instance's CA, log, CT log and TSA keys. */
  trustedRootPath: string;
  /** Requests per service, and the Fulcio answers that were refusals. */
  counts: { fulcio: number; rekor: number; tsa: number; refused: number };
  /** Make the next Fulcio requests fail with a 503 (a signing failure), or stop doing so. */
  failFulcio(on: boolean): void;
  close(): Promise<void>;
}

export interface SigstoreStandInOptions {
  /** Keys of the OIDC issuers Fulcio trusts (the ID-token stand-in's). */
  oidcKeys: KeyObject[];
  issuer?: string;
}

export async function startSigstoreStandIn(opts: SigstoreStandInOptions): Promise<SigstoreStandIn> {
  const issuer = opts.issuer ?? ACTIONS_ISSUER;
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const tlogKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const tsaKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const counts = { fulcio: 0, rekor: 0, tsa: 0, refused: 0 };
  let failing = false;

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const ctlog = await initializeCTLog(caKeys);
  const ca = await initializeCA(caKeys, ctlog);
  const tlog = await initializeTLog(url, tlogKeys);
  // @sigstore/mock's TSA stamps genTime with milliseconds, which its encoder trims ("…05.5Z");
  // @sigstore/core reads GeneralizedTime only with no fraction or exactly three digits, so one
  // stamp in ten or so would not parse. The TSA gets a clock that reads whole seconds (as
  // Sigstore's own TSA, written in Go, encodes them), frozen for the length of each timestamp:
  // the mock encodes its TSTInfo twice (content and digest), and both must hold the same time.
  const clock = frozenClock();
  const tsa = await initializeTSA(tsaKeys, clock.date);
  const stamp = tsa.timestamp.bind(tsa);
  let queue: Promise<unknown> = Promise.resolve();
  tsa.timestamp = (req) => {
    const next = queue.then(() => clock.during(() => stamp(req)));
    queue = next.catch(() => undefined);
    return next;
  };
  const fulcio = fulcioHandler(ca, { subjectClaim: 'x_fulcio_san' });
  const rekor = rekorHandler(tlog);
  const timestamp = tsaHandler(tsa);

  const routes: Record<string, { fn: HandlerFn; count: keyof typeof counts }> = {
    [fulcio.path]: { fn: (body) => checkedFulcio(body, fulcio.fn, opts.oidcKeys, issuer, () => failing), count: 'fulcio' },
    [rekor.path]: { fn: (body) => rekor.fn(canonicalEntry(body)), count: 'rekor' },
    [timestamp.path]: { fn: timestamp.fn, count: 'tsa' }
  };
  server.on('request', (req, res) => {
    const route = req.method === 'POST' ? routes[new URL(req.url ?? '/', url).pathname] : undefined;
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    counts[route.count]++;
    readRequestBody(req)
      .then((body) => route.fn(body.toString('utf8')))
      .then(({ statusCode, response, contentType }) => {
        if (statusCode >= 400) counts.refused++;
        const bytes = typeof response === 'string' ? Buffer.from(response) : Buffer.from(response.buffer, response.byteOffset, response.byteLength);
        res.writeHead(statusCode, { 'content-type': contentType ?? 'text/plain', 'content-length': bytes.length }).end(bytes);
      })
      .catch((err: unknown) => res.writeHead(500).end(String(err)));
  });

  // Valid from a minute ago: the certificates the CA issues start "now".
  const validFor = { start: new Date(Date.now() - 60_000), end: undefined };
  const root: TrustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: url,
        hashAlgorithm: HashAlgorithm.SHA2_256,
        publicKey: { rawBytes: tlog.publicKey, keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256, validFor },
        logId: { keyId: createHash('sha256').update(tlog.publicKey).digest() },
        checkpointKeyId: undefined,
        operator: 'multiarch stand-in'
      }
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: url,
        certChain: { certificates: [{ rawBytes: Buffer.from(ca.rootCertificate.buffer) }] },
        validFor,
        operator: 'multiarch stand-in'
      }
    ],
    ctlogs: [
      {
        baseUrl: url,
        hashAlgorithm: HashAlgorithm.SHA2_256,
        publicKey: { rawBytes: ctlog.publicKey, keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256, validFor },
        logId: { keyId: Buffer.from(ctlog.logID.buffer) },
        checkpointKeyId: undefined,
        operator: 'multiarch stand-in'
      }
    ],
    timestampAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore-tsa' },
        uri: url,
        certChain: { certificates: [{ rawBytes: Buffer.from(tsa.intCertificate.buffer) }, { rawBytes: Buffer.from(tsa.rootCertificate.buffer) }] },
        validFor,
        operator: 'multiarch stand-in'
      }
    ]
  };
  const dir = await mkdtemp(join(tmpdir(), 'multiarch-sigstore-'));
  const trustedRootPath = join(dir, 'trusted_root.json');
  await writeFile(trustedRootPath, JSON.stringify(TrustedRoot.toJSON(root), null, 2));

  return {
    url,
    trustedRootPath,
    counts,
    failFulcio: (on) => {
      failing = on;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    }
  };
}

/** Real Fulcio's checks on the token and the proof of possession, then the mock CA with the GitHub SAN. */
async function checkedFulcio(body: string, next: HandlerFn, keys: KeyObject[], issuer: string, failing: () => boolean): ReturnType<HandlerFn> {
  if (failing()) return { statusCode: 503, response: 'stand-in told to fail' };
  const refuse = (why: string) => ({ statusCode: 401, response: `stand-in Fulcio: ${why}` });
  let request: { credentials?: { oidcIdentityToken?: string }; publicKeyRequest?: { publicKey?: { content?: string }; proofOfPossession?: string } };
  try {
    request = JSON.parse(body) as typeof request;
  } catch {
    return { statusCode: 400, response: 'not JSON' };
  }
  const token = request.credentials?.oidcIdentityToken ?? '';
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) return refuse('no JWT');
  const input = Buffer.from(`${h}.${p}`);
  if (!keys.some((key) => verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url')))) return refuse('JWT signature does not verify with a trusted issuer key');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (claims['iss'] !== issuer) return refuse(`issuer ${String(claims['iss'])} is not trusted`);
  if (claims['aud'] !== 'sigstore') return refuse(`audience ${String(claims['aud'])} is not sigstore`);
  if (typeof claims['exp'] !== 'number' || claims['exp'] * 1000 < Date.now()) return refuse('token expired');
  if (typeof claims['job_workflow_ref'] !== 'string') return refuse('no job_workflow_ref claim');
  const pem = request.publicKeyRequest?.publicKey?.content ?? '';
  const pop = request.publicKeyRequest?.proofOfPossession ?? '';
  try {
    if (!verify('sha256', Buffer.from(String(claims['sub'])), createPublicKey(pem), Buffer.from(pop, 'base64'))) return refuse('proof of possession does not verify');
  } catch {
    return refuse('bad public key or proof of possession');
  }
  // The mock reads the SAN from a claim: hand it the GitHub form in an (unsigned) copy of the token.
  const rewritten = { ...claims, x_fulcio_san: `https://github.com/${claims['job_workflow_ref']}` };
  const unsigned = `${h}.${Buffer.from(JSON.stringify(rewritten)).toString('base64url')}.`;
  return next(JSON.stringify({ ...request, credentials: { oidcIdentityToken: unsigned } }));
}

/** Rekor's canonical dsse v0.0.1 body for a proposed one: envelope and payload hashes, signatures with their verifier. */
function canonicalEntry(body: string): string {
  const entry = JSON.parse(body) as { kind?: string; apiVersion?: string; spec?: { proposedContent?: { envelope: string; verifiers: string[] } } };
  const proposed = entry.spec?.proposedContent;
  if (entry.kind !== 'dsse' || !proposed) return body;
  const envelope = JSON.parse(proposed.envelope) as { payload: string; signatures: Array<{ sig: string }> };
  const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
  return JSON.stringify({
    apiVersion: entry.apiVersion,
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256(proposed.envelope) },
      payloadHash: { algorithm: 'sha256', value: sha256(Buffer.from(envelope.payload, 'base64')) },
      signatures: envelope.signatures.map((sig, i) => ({ signature: sig.sig, verifier: proposed.verifiers[i] ?? proposed.verifiers[0] }))
    }
  });
}

/** A Date that reads the current whole second, fixed while `during` runs its function. */
function frozenClock(): { date: Date; during<T>(fn: () => Promise<T>): Promise<T> } {
  let frozen: Date | undefined;
  const wholeSecond = () => new Date(Math.floor(Date.now() / 1000) * 1000);
  const date = new Proxy(new Date(), {
    get(_target, prop) {
      const now = frozen ?? wholeSecond();
      const value = Reflect.get(now, prop) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(now) : value;
    }
  });
  return {
    date,
    during: async (fn) => {
      frozen = wholeSecond();
      try {
        return await fn();
      } finally {
        frozen = undefined;
      }
    }
  };
}

