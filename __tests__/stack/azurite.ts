/**
 * Azurite (Microsoft's Azure Storage emulator, the `azurite` npm package) as a child process:
 * the blob service only, on 127.0.0.1 and a port the kernel picks, storage in memory, no
 * telemetry. It stands in for the Azure Blob Storage that GitHub's Actions cache and artifact
 * services hand out SAS URLs into (see results-service.ts). Loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The storage account this Azurite serves; its key is random per start (AZURITE_ACCOUNTS). */
export const AZURITE_ACCOUNT = 'multiarchresults';

export interface Azurite {
  /** `http://127.0.0.1:PORT/devstoreaccount1`: the account's blob endpoint (path-style, as Azurite serves it). */
  blobEndpoint: string;
  accountName: string;
  accountKey: string;
  /** A connection string for @azure/storage-blob's BlobServiceClient.fromConnectionString. */
  connectionString: string;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** Cap on the in-memory blob store, in MiB (default 2048). */
  memoryLimitMiB?: number;
  /** How long to wait for Azurite to listen (default 30 s). */
  startTimeoutMs?: number;
}

export async function startAzurite(opts: AzuriteOptions = {}): Promise<Azurite> {
  const require = createRequire(import.meta.url);
  const main = join(require.resolve('azurite/package.json'), '..', 'dist', 'src', 'blob', 'main.js');
  // Azurite writes nothing with --inMemoryPersistence, but give it a private cwd all the same.
  const cwd = mkdtempSync(join(tmpdir(), 'azurite-'));
  const args = [
    main,
    '--blobHost', '127.0.0.1',
    '--blobPort', '0',
    '--inMemoryPersistence',
    '--extentMemoryLimit', String(opts.memoryLimitMiB ?? 2048),
    // Azurite phones home unless told not to; this stack talks to loopback only.
    '--disableTelemetry',
    // @azure/storage-blob may send an x-ms-version newer than this Azurite knows.
    '--skipApiVersionCheck',
    '--loose'
  ];
  const accountKey = randomBytes(64).toString('base64');
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AZURITE_ACCOUNTS: `${AZURITE_ACCOUNT}:${accountKey}` } });
  let port: number;
  try {
    port = await waitForPort(child, opts.startTimeoutMs ?? 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(cwd, { recursive: true, force: true });
    throw err;
  }
  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return {
    blobEndpoint,
    accountName: AZURITE_ACCOUNT,
    accountKey,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${accountKey};BlobEndpoint=${blobEndpoint};`,
    stop: async () => {
      await stopChild(child);
      rmSync(cwd, { recursive: true, force: true });
    }
  };
}

/** Azurite prints `… successfully listens on http://127.0.0.1:PORT` once it is ready. */
function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => finish(new Error(`azurite did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listens on https?:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (m) finish(undefined, Number(m[1]));
    };
    const onExit = (code: number | null) => finish(new Error(`azurite exited (${code}) before listening:\n${output}`));
    const finish = (err?: Error, port?: number) => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      // Keep draining so a chatty Azurite never blocks on a full pipe.
      child.stdout!.resume();
      child.stderr!.resume();
      if (err) reject(err);
      else resolve(port!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
