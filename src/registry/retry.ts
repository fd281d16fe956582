/**
 * Retry only what is transient: 429, 5xx, dropped connections and timeouts, with exponential
 * backoff and jitter, honouring Retry-After. Everything else fails at once.
 */
import { RegistryError } from './errors.js';

/** How hard to retry. Tests shrink the delays; CI keeps the defaults. */
export interface RetryPolicy {
  /** Total attempts, including the first. */
  attempts: number;
  /** Delay before the first retry; doubles for each further one. */
  baseDelayMs: number;
  /** Cap on any one delay, including a Retry-After the registry asked for. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET'
]);

/** True for failures that another attempt may not hit: overload, server errors, dropped connections. */
export function isTransient(err: unknown): boolean {
  if (err instanceof RegistryError) return TRANSIENT_STATUS.has(err.status);
  // Duck-typed, not `instanceof Error`: errors from Node's core may come from another realm
  // (jest's sandbox, for one), where that check fails.
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  // @actions/http-client reports its socket timeout as a plain Error with this message.
  return typeof message === 'string' && /Request timeout|socket hang up/i.test(message);
}

/**
 * Delay before retry number `retry` (1 for the first retry): exponential, capped, with "equal
 * jitter" (half fixed, half random) so that parallel uploads do not retry in lockstep.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Run `attempt` until it succeeds, fails with something `shouldRetry` rejects, or the policy's
 * attempts run out. The last error is rethrown, noting how many attempts were made.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  attempt: (n: number) => Promise<T>,
  shouldRetry: (err: unknown) => boolean = isTransient
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (n >= policy.attempts || !shouldRetry(err)) {
        if (n > 1 && typeof err === 'object' && err !== null && typeof (err as Error).message === 'string') {
          (err as Error).message += ` (after ${n} attempts)`;
        }
        throw err;
      }
      const asked = err instanceof RegistryError ? err.retryAfterMs : undefined;
      const delay = asked !== undefined ? Math.min(asked, policy.maxDelayMs) : backoffDelay(policy, n);
      await sleep(delay);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
