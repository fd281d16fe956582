/**
 * Seeded fuzzing of everything that reads untrusted bytes: ELF headers, tar streams (plain and
 * compressed), and manifests. The only acceptable outcomes are a result or a clean, typed error;
 * never a RangeError, an unhandled stream error, or a hang. A failure prints its seed.
 */
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { parseArmAttributes } from '../../src/verify/arm-attributes.js';
import { verifyImage } from '../../src/verify/checks.js';
import { describeElf, ElfFormatError, matchesPlatform, parseElf } from '../../src/verify/elf.js';
import { LayerReadError, LayerWalker } from '../../src/verify/layers.js';
import { detectShebang } from '../../src/verify/shebang.js';
import { keepForElf } from '../../src/verify/entrypoint.js';
import { MediaType, type Descriptor } from '../../src/types/oci.js';
import { armAttributes, buildElf, ELF, EM } from './helpers/elf-builder.js';
import { digestOf, MemorySource } from './helpers/memory-source.js';
import { pick, prng } from './helpers/prng.js';
import { writeTar } from './helpers/tar-writer.js';

/** Random edits: flips, field overwrites, truncation, insertion, garbage tails. */
function mutate(input: Buffer, rand: () => number, focus = input.length): Buffer {
  let buf = Buffer.from(input);
  const edits = 1 + pick(rand, 4);
  for (let e = 0; e < edits; e++) {
    const at = pick(rand, Math.max(1, Math.min(focus, buf.length)));
    switch (pick(rand, 6)) {
      case 0:
        if (buf.length) buf[at] = pick(rand, 256);
        break;
      case 1: {
        const width = [2, 4, 8][pick(rand, 3)] as number;
        for (let i = 0; i < width && at + i < buf.length; i++) buf[at + i] = rand() < 0.5 ? 0xff : pick(rand, 256);
        break;
      }
      case 2:
        buf = buf.subarray(0, pick(rand, buf.length + 1));
        break;
      case 3:
        buf = Buffer.concat([buf.subarray(0, at), Buffer.from([pick(rand, 256), pick(rand, 256)]), buf.subarray(at)]);
        break;
      case 4:
        buf = Buffer.concat([buf, Buffer.from(Array.from({ length: pick(rand, 600) }, () => pick(rand, 256)))]);
        break;
      default:
        if (buf.length) buf[at] = buf[at]! ^ (1 << pick(rand, 8));
    }
  }
  return buf;
}

/** Error names that mean a bug in the reader rather than bad input. */
const BUG_NAMES = new Set(['TypeError', 'RangeError', 'ReferenceError']);
/** V8's wording for those bugs, should one end up in a check's message. */
const BUG_TEXT = /Cannot read properties|is not a function|is not iterable|Cannot convert|out of range/;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

test('ELF: mutated headers parse or fail with ElfFormatError', () => {
  const seeds = [
    ELF.amd64('/lib64/ld-linux-x86-64.so.2'),
    ELF.armv7({ interp: '/lib/ld-linux-armhf.so.3' }),
    ELF.arm64(),
    buildElf({ bits: 64, endian: 'BE', machine: EM.S390, interp: '/lib/ld64.so.1' }),
    buildElf({ bits: 32, endian: 'BE', machine: EM.ARM, armArch: 10 })
  ];
  const rand = prng(0xe1f);
  const started = Date.now();
  for (let i = 0; i < 5000; i++) {
    const seed = seeds[i % seeds.length]!;
    // Half the time aim at the header and program headers, where the interesting fields are.
    const input = mutate(seed, rand, rand() < 0.5 ? 160 : seed.length);
    try {
      const elf = parseElf(input);
      describeElf(elf);
      for (const p of ['linux/amd64', 'linux/arm/v6', 'linux/arm64', 'linux/s390x']) matchesPlatform(elf, p);
    } catch (err) {
      if (!(err instanceof ElfFormatError)) throw new Error(`iteration ${i}: ${(err as Error).stack}`);
    }
    detectShebang(input);
  }
  expect(Date.now() - started).toBeLessThan(20_000);
});

test('ARM attributes: malformed sections throw plain errors, never RangeError', () => {
  const rand = prng(0xa77);
  const seed = armAttributes(10, 1);
  for (let i = 0; i < 3000; i++) {
    const input = mutate(seed, rand);
    try {
      parseArmAttributes(input, rand() < 0.5);
    } catch (err) {
      if (err instanceof RangeError || !(err instanceof Error)) throw new Error(`iteration ${i}: ${String(err)}`);
    }
  }
});

describe('layers', () => {
  const upper = writeTar([
    { name: 'usr/', type: 'dir' },
    { name: 'usr/bin/', type: 'dir' },
    { name: 'usr/bin/.wh.gone' },
    { name: 'etc/.wh..wh..opq' },
    { name: 'usr/bin/app', data: ELF.arm64('/lib/ld-linux-aarch64.so.1'), mode: 0o755 },
    { name: 'usr/bin/sh', type: 'hardlink', linkname: 'usr/bin/app' },
    { name: 'usr/local/' + 'x/'.repeat(60) + 'deep', data: 'd', longNames: 'gnu' },
    { name: 'opt/' + 'y/'.repeat(60) + 'deep', type: 'symlink', linkname: '/usr/bin/app', longNames: 'pax' }
  ]);
  const lower = writeTar([
    { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
    { name: 'usr/lib/ld-linux-aarch64.so.1', data: ELF.arm64(), mode: 0o755 },
    { name: 'usr/bin/gone', data: 'g' },
    { name: 'etc/passwd', data: 'root' },
    { name: 'loop', type: 'symlink', linkname: 'loop' }
  ]);
  const paths = ['/usr/bin/app', '/usr/bin/sh', '/lib/ld-linux-aarch64.so.1', '/usr/bin/gone', '/etc/passwd', '/loop', '/opt/' + 'y/'.repeat(60) + 'deep', '/nothing'];

  async function fuzz(seed: number, iterations: number, encode: (tar: Buffer, rand: () => number) => { bytes: Buffer; mediaType: string }): Promise<void> {
    const rand = prng(seed);
    for (let i = 0; i < iterations; i++) {
      const src = new MemorySource(1 + pick(rand, 2048));
      const layers = [lower, upper].map((tar) => {
        const blob = encode(tar, rand);
        return { mediaType: blob.mediaType, digest: src.addBlob(blob.bytes), size: blob.bytes.length } as Descriptor;
      });
      const walker = new LayerWalker(src, layers, { keep: keepForElf });
      for (const path of [paths[pick(rand, paths.length)]!, paths[pick(rand, paths.length)]!]) {
        try {
          await withTimeout(walker.resolve(path), 5000, `seed ${seed} iteration ${i} ${path}`);
        } catch (err) {
          // Wrapped, but a programming error (TypeError, RangeError from a Buffer read) is still a bug.
          const cause = (err as { cause?: { name?: string } }).cause;
          if (!(err instanceof LayerReadError) || BUG_NAMES.has(cause?.name ?? '')) {
            throw new Error(`seed ${seed} iteration ${i} ${path}: ${(err as Error).stack}`);
          }
        }
      }
    }
  }

  test('mutated uncompressed tar streams', async () => {
    await fuzz(1, 1500, (tar, rand) => ({ bytes: rand() < 0.7 ? mutate(tar, rand) : tar, mediaType: MediaType.OciLayer }));
  });

  test('mutated tar inside valid gzip, and mutated gzip', async () => {
    await fuzz(2, 800, (tar, rand) => {
      const inner = rand() < 0.5 ? mutate(tar, rand) : tar;
      const gz = gzipSync(inner);
      return { bytes: rand() < 0.5 ? mutate(gz, rand) : gz, mediaType: rand() < 0.8 ? MediaType.OciLayerGzip : 'application/octet-stream' };
    });
  });

  test('mutated zstd', async () => {
    await fuzz(3, 400, (tar, rand) => {
      const z = zstdCompressSync(rand() < 0.5 ? mutate(tar, rand) : tar);
      return { bytes: rand() < 0.6 ? mutate(z, rand) : z, mediaType: MediaType.OciLayerZstd };
    });
  });
});

describe('manifests', () => {
  type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
  const VALUES: Json[] = [null, true, 0, -1, 1e300, 2 ** 60, '', 'x', 'sha256:zz', [], {}, [1, 'a'], { os: 1 }];

  /** Sets, deletes or retypes one random field somewhere in the document. */
  function mutateJson(doc: Json, rand: () => number): Json {
    if (doc === null || typeof doc !== 'object') return rand() < 0.5 ? doc : (VALUES[pick(rand, VALUES.length)] as Json);
    const copy: Json = Array.isArray(doc) ? [...doc] : { ...doc };
    const keys = Object.keys(copy);
    if (keys.length === 0 || rand() < 0.15) return VALUES[pick(rand, VALUES.length)] as Json;
    const key = keys[pick(rand, keys.length)] as string;
    const rec = copy as Record<string, Json>;
    const roll = rand();
    if (roll < 0.2 && !Array.isArray(copy)) delete rec[key];
    else if (roll < 0.5) rec[key] = VALUES[pick(rand, VALUES.length)] as Json;
    else rec[key] = mutateJson(rec[key] as Json, rand);
    return copy;
  }

  test('mutated index, manifest and config never make verifyImage reject', async () => {
    const rand = prng(0x1d5);
    const layerTar = gzipSync(writeTar([{ name: 'app', data: ELF.arm64(), mode: 0o755 }]));
    for (let i = 0; i < 1500; i++) {
      const src = new MemorySource();
      const layerDigest = src.addBlob(layerTar);
      const target = pick(rand, 4);
      let config: Json = { os: 'linux', architecture: 'arm64', config: { Entrypoint: ['/app'], Env: ['PATH=/bin'], WorkingDir: '/' } };
      if (target === 0) config = mutateJson(config, rand);
      const configBytes = Buffer.from(JSON.stringify(config));
      let manifest: Json = {
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, digest: src.addBlob(configBytes), size: configBytes.length },
        layers: [{ mediaType: MediaType.OciLayerGzip, digest: layerDigest, size: layerTar.length }]
      };
      if (target === 1) manifest = mutateJson(manifest, rand);
      const manifestBytes = Buffer.from(JSON.stringify(manifest) ?? 'null');
      src.addManifest(manifestBytes, MediaType.OciManifest);
      let index: Json = {
        schemaVersion: 2,
        mediaType: MediaType.OciIndex,
        manifests: [
          { mediaType: MediaType.OciManifest, digest: digestOf(manifestBytes), size: manifestBytes.length, platform: { os: 'linux', architecture: 'arm64' } },
          { mediaType: MediaType.OciManifest, digest: digestOf(manifestBytes), size: 1, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } }
        ]
      };
      if (target === 2) index = mutateJson(index, rand);
      let indexBytes: Buffer = Buffer.from(JSON.stringify(index) ?? 'null');
      if (target === 3) indexBytes = mutate(indexBytes, rand);
      src.addManifest(indexBytes, MediaType.OciIndex, 'latest');
      const v = await withTimeout(verifyImage(src, 'latest', ['linux/arm64', 'linux/arm/v7'], { entrypoint: true }), 5000, `manifest iteration ${i}`);
      expect(typeof v.ok).toBe('boolean');
      for (const p of v.platforms) {
        for (const c of p.checks) {
          expect(typeof c.ok === 'boolean' && typeof c.name === 'string').toBe(true);
          if (BUG_TEXT.test(`${c.actual} ${c.detail}`)) throw new Error(`manifest iteration ${i}: ${c.name}: ${c.detail}`);
        }
      }
    }
  });
});
