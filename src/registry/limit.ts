/** A small concurrency limiter: at most `n` of the wrapped tasks run at once, the rest wait in order. */
export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

export function createLimiter(n: number): Limiter {
  if (!Number.isInteger(n) || n < 1) throw new Error(`concurrency must be a positive integer, got ${n}`);
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    // A finishing task hands its slot straight to the next waiter, so a newcomer cannot slip in
    // between and push the count over `n`.
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
