/**
 * Secrets never reach a log: registry passwords and bearer tokens (from Docker's config, where
 * docker/login-action leaves them) and build secrets given by value. The runner hides values
 * announced with ::add-mask::, so every other line of every log must be free of them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startBasicAuthRegistry, startTokenAuthRegistry, type BasicAuthRegistry, type TokenAuthRegistry } from '../stack/registries.js';
import { BASE_CONTEXTS, requireRegistry, requireStack, runAction, uniqueTag } from './harness.js';

let basic: BasicAuthRegistry;
let token: TokenAuthRegistry;
let dockerConfig: string;
let context: string;
const buildSecret = `bs-${Math.random().toString(36).slice(2)}-$(id);"quoted"`;

beforeAll(async () => {
  requireStack();
  await requireRegistry();
  basic = await startBasicAuthRegistry();
  token = await startTokenAuthRegistry({ algorithm: 'ES256' });
  dockerConfig = fs.mkdtempSync(path.join(os.tmpdir(), 'docker-config-'));
  const auth = (u: string, p: string) => ({ auth: Buffer.from(`${u}:${p}`).toString('base64') });
  fs.writeFileSync(path.join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [basic.registry]: auth(basic.username, basic.password), [token.registry]: auth(token.username, token.password) } }));
  context = fs.mkdtempSync(path.join(process.cwd(), '.tmp-secret-'));
  for (const f of ['main.go', 'go.mod']) fs.copyFileSync(path.join('examples/go-cross', f), path.join(context, f));
  // The secret is used (hashed) but never printed by the build itself.
  fs.writeFileSync(
    path.join(context, 'Dockerfile'),
    ['FROM --platform=$BUILDPLATFORM golang:1.19 AS build', 'ARG TARGETOS TARGETARCH', 'WORKDIR /src', 'COPY go.mod main.go ./', 'RUN --mount=type=secret,id=token test -s /run/secrets/token && sha256sum /run/secrets/token | cut -c1-8', 'RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/hello .', 'FROM busybox:1.35', 'COPY --from=build /out/hello /usr/local/bin/hello', 'ENTRYPOINT ["/usr/local/bin/hello"]', ''].join('\n')
  );
}, 120_000);

afterAll(async () => {
  await basic?.stop();
  await token?.stop();
  fs.rmSync(dockerConfig, { recursive: true, force: true });
  fs.rmSync(context, { recursive: true, force: true });
});

test('pushing to Basic and token-auth registries with a build secret leaks nothing', async () => {
  const tags = [`${basic.registry}/e2e/secret:${uniqueTag('b')}`, `${token.registry}/e2e/secret:${uniqueTag('t')}`];
  const run = await runAction(
    { network: 'host', 'build-contexts': BASE_CONTEXTS, platforms: 'linux/amd64,linux/arm64', context: path.relative(process.cwd(), context), push: 'true', tags: tags.join(','), secrets: `token=${buildSecret}`, 'no-cache': 'true' },
    { DOCKER_CONFIG: dockerConfig }
  );
  expect({ code: run.main.code, errors: run.main.stdout.split('\n').filter((l) => l.startsWith('::error')) }).toEqual({ code: 0, errors: [] });
  expect(JSON.parse(run.main.outputs.platforms!).every((p: { verified: boolean }) => p.verified)).toBe(true);

  const masked = run.main.stdout.split('\n').filter((l) => l.startsWith('::add-mask::')).map((l) => l.slice('::add-mask::'.length));
  expect(masked).toEqual(expect.arrayContaining([basic.password, token.password, buildSecret]));
  // Bearer tokens the token service issued (JWTs) were masked too, and none appears elsewhere.
  expect(token.tokens.issued.length).toBeGreaterThan(0);
  expect(masked.filter((m) => /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/.test(m)).length).toBeGreaterThan(0);
  const jwt = /eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}/;

  const secrets = [basic.password, token.password, buildSecret, Buffer.from(`${basic.username}:${basic.password}`).toString('base64')];
  const logs = {
    mainStdout: run.main.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n'),
    mainStderr: run.main.stderr,
    postStdout: run.post.stdout,
    postStderr: run.post.stderr,
    summary: run.main.summary,
    outputs: JSON.stringify(run.main.outputs),
    state: JSON.stringify(run.main.state)
  };
  for (const [name, text] of Object.entries(logs)) {
    for (const s of secrets) expect({ log: name, leaks: text.includes(s) }).toEqual({ log: name, leaks: false });
    expect({ log: name, bearer: jwt.test(text) }).toEqual({ log: name, bearer: false });
  }
  // The build did use the secret: its step ran.
  expect(run.main.stdout).toMatch(/RUN --mount=type=secret,id=token/);
}, 900_000);
