/**
 * A blob body that survives its connection dropping part-way. Request retries (retry.ts) end
 * once the response headers arrive; a reset in the middle of a layer would otherwise fail the
 * whole read, and with it a verification check, for a fault a second request does not hit.
 *
 * The blob is re-opened with `Range: bytes=<offset>-`, from the bytes already passed on, rather
 * than from scratch: each attempt then makes progress, so a connection that a load balancer cuts
 * after so many bytes still gets the blob through in a bounded number of attempts, and the bytes
 * read are not paid for twice. The distribution spec lets a registry ignore Range: a 200 answer
 * is read from the start and the bytes already passed on are dropped. Either way the reader sees
 * one contiguous stream, so the digest check after it covers every byte, resumed or not.
 */
import { Readable } from 'node:stream';
import { backoffDelay, isTransient, type RetryPolicy } from './retry.js';

/** A re-opened body and the blob offset of its first byte (0 when the server ignored Range). */
export interface ReopenedBody {
  body: Readable;
  start: number;
}

/** Opens the blob again from `offset`; rejects with what the request failed with. */
export type BodyReopener = (offset: number) => Promise<ReopenedBody>;

/**
 * The blob's bytes from `first` onwards, re-opened through `reopen` on a transient failure
 * (a reset, a premature close, a timeout). The policy's attempts bound the bodies opened in all,
 * counting the first; the last error is passed on, noting how many there were.
 */
export class ResumingBody extends Readable {
  private current?: Readable;
  /** Blob bytes passed on so far: where a re-open starts. */
  private offset = 0;
  /** Bytes of the current body to drop before passing any on (a re-open the server answered from 0). */
  private skip = 0;
  private attempts = 1;
  private timer?: NodeJS.Timeout;

  constructor(
    first: Readable,
    private readonly reopen: BodyReopener,
    private readonly policy: RetryPolicy,
    private readonly random: () => number = Math.random
  ) {
    super();
    this.attach(first);
  }

  /** How many bodies were opened, the first included (for tests and messages). */
  get opened(): number {
    return this.attempts;
  }

  override _read(): void {
    this.current?.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.timer);
    // A reader that stops early (the entrypoint was found) frees the connection.
    this.current?.destroy();
    this.current = undefined;
    callback(err);
  }

  private attach(body: Readable): void {
    this.current = body;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      this.detach(body);
      this.retry(err);
    };
    body.on('data', (chunk: Buffer) => {
      if (this.current !== body) return;
      let data = chunk;
      if (this.skip > 0) {
        const dropped = Math.min(this.skip, data.length);
        this.skip -= dropped;
        data = data.subarray(dropped);
        if (data.length === 0) return;
      }
      this.offset += data.length;
      if (!this.push(data)) body.pause();
    });
    body.once('end', () => {
      if (settled) return;
      settled = true;
      this.current = undefined;
      this.push(null);
    });
    body.once('error', fail);
    // A body that closes without 'end' or 'error' was cut short all the same.
    body.once('close', () => fail(Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })));
  }

  private detach(body: Readable): void {
    if (this.current === body) this.current = undefined;
    body.removeAllListeners('data');
    // Late errors from a body we gave up on have nobody to tell.
    body.on('error', () => undefined);
    body.destroy();
  }

  private retry(err: Error): void {
    if (this.destroyed) return;
    if (!isTransient(err) || this.attempts >= this.policy.attempts) {
      if (this.attempts > 1) err.message += ` (after ${this.attempts} attempts)`;
      this.destroy(err);
      return;
    }
    this.timer = setTimeout(() => {
      this.attempts++;
      this.reopen(this.offset).then(
        ({ body, start }) => {
          if (this.destroyed) {
            body.destroy();
            return;
          }
          if (start > this.offset) {
            body.destroy();
            this.destroy(new Error(`the registry resumed the blob at byte ${start}, past the ${this.offset} bytes read`));
            return;
          }
          this.skip = this.offset - start;
          this.attach(body);
        },
        (reopenErr: unknown) => this.retry(reopenErr as Error)
      );
    }, backoffDelay(this.policy, this.attempts, this.random));
  }
}
