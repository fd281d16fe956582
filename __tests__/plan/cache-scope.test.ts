import { resolveCacheScope } from '../../src/plan/cache-scope.js';

test.each([
  ['app', 'linux/arm64', undefined, 'app-linux-arm64'],
  ['ghcr.io/Acme/API:1.2.3', 'linux/arm/v7', undefined, 'ghcr.io-acme-api-linux-arm-v7'],
  ['localhost:5000/app@sha256:abcd', 'linux/amd64', undefined, 'localhost-5000-app-linux-amd64'],
  ['docker.io/library/nginx:latest', 'linux/amd64', 'pr-12-', 'pr-12-docker.io-library-nginx-linux-amd64'],
  ['', 'linux/s390x', 'cache-', 'cache-linux-s390x'],
  ['my app!!', 'linux/riscv64', 'a b/', 'a-b-my-app-linux-riscv64']
])('resolveCacheScope(%j, %j, %j) = %j', (image, platform, prefix, expected) => {
  expect(resolveCacheScope(image, platform, prefix)).toBe(expected);
});
