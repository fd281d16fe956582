/** Provenance by default on a GitHub run, as build-push-action gives it, with the run as builder id. */
import { resolveConfig } from '../src/config.js';
import { resolveBuilderId, resolveProvenance, type RunFacts } from '../src/provenance.js';

const run: RunFacts = { serverUrl: 'https://github.com', repository: 'acme/app', runId: '42', runAttempt: '2', isPrivate: false };
const ID = 'https://github.com/acme/app/actions/runs/42/attempts/2';

test.each<[string, string | undefined, string[], RunFacts, string | undefined]>([
  ['public repository: mode=max with the run as builder id', undefined, [], run, `mode=max,builder-id=${ID}`],
  ['private repository: min (not inline-only, which the legs\' OCI export would drop)', undefined, [], { ...run, isPrivate: true }, `mode=min,builder-id=${ID}`],
  ['a payload that does not say: treated as private', undefined, [], { ...run, isPrivate: undefined }, `mode=min,builder-id=${ID}`],
  ['BUILDX_NO_DEFAULT_ATTESTATIONS: none', undefined, [], { ...run, noDefaultAttestations: true }, undefined],
  ['a provenance entry in attests: left to it', undefined, ['type=provenance,mode=max'], run, undefined],
  ['an sbom entry in attests does not stop the default', undefined, ['type=sbom'], run, `mode=max,builder-id=${ID}`],
  ['outside GitHub (the CLI): buildx decides', undefined, [], {}, undefined],
  ['given false stays false', 'false', [], run, 'false'],
  ['given true gains the builder id', 'true', [], run, `builder-id=${ID}`],
  ['given mode=min gains the builder id', 'mode=min', [], run, `mode=min,builder-id=${ID}`],
  ['a given builder id is kept', 'mode=max,builder-id=https://ci.example/1', [], run, 'mode=max,builder-id=https://ci.example/1'],
  ['given, outside GitHub: verbatim', 'mode=max', [], {}, 'mode=max']
])('%s', (_name, input, attests, facts, want) => {
  expect(resolveProvenance(input, attests, facts)).toBe(want);
});

test('builder id: the attempt defaults to 1, a trailing slash on the server is dropped', () => {
  expect(resolveBuilderId({ serverUrl: 'https://ghe.example/', repository: 'o/r', runId: '7' })).toBe('https://ghe.example/o/r/actions/runs/7/attempts/1');
  expect(resolveBuilderId({ repository: 'o/r' })).toBeUndefined();
});

test('config: the default is marked as such, a given value is not', () => {
  const env = { workspace: process.cwd(), tempDir: '/tmp', onSecret: () => undefined, onWarning: () => undefined, run };
  const inputs = (over: Record<string, string>) => (n: string) => ({ context: 'examples/go-cross', ...over })[n] ?? '';
  const byDefault = resolveConfig(inputs({}), env);
  expect(byDefault).toMatchObject({ provenance: `mode=max,builder-id=${ID}`, provenanceIsDefault: true });
  const given = resolveConfig(inputs({ provenance: 'mode=min' }), env);
  expect(given.provenance).toBe(`mode=min,builder-id=${ID}`);
  expect(given.provenanceIsDefault).toBeUndefined();
});
