/**
 * A bounded pool of dedicated resources (seed: STEP's Redis connection pool). The TCP transport
 * keeps its blocking connections here: a blocking command (`XREADGROUP … BLOCK`) holds its
 * connection for the whole wait, so it cannot share the client's pipelined connection.
 *
 * - At most `max` resources exist at once; they are created lazily, on demand.
 * - Callers may name a `shareKey` (the TCP transport: the stream a blocking read waits on): the
 *   callers of one key hold at most `maxPerKey` resources at once, so one busy key cannot take
 *   the whole pool and starve the others.
 * - A caller beyond that waits, first come first served among those whose key is below its share,
 *   for at most `acquireTimeoutMs` (0: not at all), then fails with an `AcquireTimeoutError` that
 *   says how many resources were busy and for how long.
 * - A resource whose holder saw it break (`lease.discard()`), or that `isUsable` rejects, is
 *   destroyed instead of going back to the pool: the next caller never gets a broken one.
 * - `close()` fails the waiters, destroys idle resources at once and busy ones too (their holders
 *   see their command fail), so closing never waits for a long blocking command.
 *
 * Generic and free of Node imports, so it can be reused by any transport.
 */
import { AbortedError, AcquireTimeoutError, ConnectionError } from "../core/errors.js";

// Defined with the other typed errors (capabilities catch it without importing a transport).
export { AcquireTimeoutError } from "../core/errors.js";

export interface PoolOptions<T> {
  /** Most resources at once (≥ 1). */
  max: number;
  /** What the resources are, for error messages, e.g. "dedicated Redis connection". */
  label: string;
  /** Opens a resource; a rejection frees the slot and reaches the caller of `use`. */
  create: () => Promise<T>;
  /** Closes a resource; errors are ignored. */
  destroy: (resource: T) => Promise<void>;
  /** Whether an idle resource can still be used (e.g. its socket is still open). */
  isUsable?: (resource: T) => boolean;
  /** Most resources the callers of one `shareKey` hold at once (default: `max`, no limit). */
  maxPerKey?: number;
}

export interface AcquireOptions {
  /** Give up waiting for a free resource after this many ms; 0: fail at once if none is free. */
  acquireTimeoutMs: number;
  /** Stop waiting when this fires (rejects with AbortedError). */
  signal?: AbortSignal | undefined;
  /** Callers with the same key hold at most `maxPerKey` resources at once. */
  shareKey?: string | undefined;
}

/** Given to the holder of a resource. */
export interface Lease {
  /** The resource is broken: destroy it instead of returning it to the pool. */
  discard(): void;
  readonly discarded: boolean;
}

export interface PoolStats {
  /** Resources open, idle or in use. */
  size: number;
  idle: number;
  inUse: number;
  /** Callers waiting for a resource. */
  waiting: number;
}

interface Waiter<T> {
  shareKey: string | undefined;
  resolve: (resource: T | undefined) => void;
  reject: (error: Error) => void;
}

export class ResourcePool<T> {
  readonly max: number;
  readonly maxPerKey: number;
  readonly #options: PoolOptions<T>;
  /** Resources (held or being created) per share key. */
  readonly #held = new Map<string, number>();
  /** Every resource that exists or is being created (counted by `#slots`). */
  #slots = 0;
  readonly #idle: T[] = [];
  readonly #busy = new Set<T>();
  readonly #waiters: Waiter<T>[] = [];
  #closed = false;

  constructor(options: PoolOptions<T>) {
    if (!Number.isInteger(options.max) || options.max < 1) {
      throw new RangeError("pool max must be a whole number ≥ 1");
    }
    this.max = options.max;
    this.maxPerKey = options.maxPerKey ?? options.max;
    if (!Number.isInteger(this.maxPerKey) || this.maxPerKey < 1) {
      throw new RangeError("pool maxPerKey must be a whole number ≥ 1");
    }
    this.#options = options;
  }

  get stats(): PoolStats {
    return {
      size: this.#slots,
      idle: this.#idle.length,
      inUse: this.#busy.size,
      waiting: this.#waiters.length,
    };
  }

  /**
   * Runs `fn` with a resource held by this caller alone, and gives it back afterwards (or
   * destroys it when `fn` called `lease.discard()`).
   */
  async use<R>(fn: (resource: T, lease: Lease) => Promise<R>, options: AcquireOptions): Promise<R> {
    const key = options.shareKey;
    const resource = await this.#acquire(options);
    let discarded = false;
    const lease: Lease = {
      discard() {
        discarded = true;
      },
      get discarded() {
        return discarded;
      },
    };
    try {
      return await fn(resource, lease);
    } finally {
      // Released first: if only this key's share kept its next caller waiting, that caller gets
      // this very resource (idle now) when the key is uncounted, rather than a new one.
      this.#release(resource, discarded);
      this.#unhold(key);
    }
  }

  /** Refuses new callers, fails waiters, destroys every resource (busy ones included). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#closedError());
    const all = [...this.#idle.splice(0), ...this.#busy];
    this.#busy.clear();
    this.#slots -= all.length;
    await Promise.all(all.map((r) => this.#options.destroy(r).catch(() => {})));
  }

  /** Takes a resource for the caller, counted under its key (the caller's `use` uncounts it). */
  async #acquire(options: AcquireOptions): Promise<T> {
    if (this.#closed) throw this.#closedError();
    if (options.signal?.aborted) throw new AbortedError(options.signal.reason);
    const key = options.shareKey;
    // Waiters come first: a newcomer takes nothing while an eligible caller is already waiting.
    if (this.#belowShare(key) && !this.#waiters.some((w) => this.#belowShare(w.shareKey))) {
      const idle = this.#takeIdle();
      if (idle !== undefined) {
        this.#hold(key);
        return idle;
      }
      if (this.#slots < this.max) {
        this.#slots++;
        this.#hold(key);
        return this.#createOrUnhold(key);
      }
    }
    // When the waiter is resolved, the resource (or the slot) is already counted under its key.
    const handed = await this.#wait(options);
    // `undefined`: a slot was freed and reserved for this caller, rather than a resource handed over.
    return handed === undefined ? this.#createOrUnhold(key) : handed;
  }

  async #createOrUnhold(key: string | undefined): Promise<T> {
    try {
      return await this.#create();
    } catch (error) {
      this.#unhold(key);
      throw error;
    }
  }

  #belowShare(key: string | undefined): boolean {
    return key === undefined || (this.#held.get(key) ?? 0) < this.maxPerKey;
  }

  #hold(key: string | undefined): void {
    if (key !== undefined) this.#held.set(key, (this.#held.get(key) ?? 0) + 1);
  }

  #unhold(key: string | undefined): void {
    if (key === undefined) return;
    const n = (this.#held.get(key) ?? 0) - 1;
    if (n > 0) this.#held.set(key, n);
    else this.#held.delete(key);
    // A caller of this key may have been waiting only for its share.
    this.#wakeForFreeSlot();
  }

  /** The first waiter, in arrival order, whose key is below its share. */
  #nextWaiter(): Waiter<T> | undefined {
    return this.#waiters.find((w) => this.#belowShare(w.shareKey));
  }

  #takeIdle(): T | undefined {
    while (this.#idle.length > 0) {
      const resource = this.#idle.pop()!;
      if (this.#options.isUsable?.(resource) ?? true) {
        this.#busy.add(resource);
        return resource;
      }
      this.#drop(resource);
    }
    return undefined;
  }

  /** Opens a resource in a slot the caller has already counted in `#slots`. */
  async #create(): Promise<T> {
    let resource: T;
    try {
      resource = await this.#options.create();
    } catch (error) {
      this.#slots--;
      this.#wakeForFreeSlot();
      throw error;
    }
    if (this.#closed) {
      this.#slots--;
      await this.#options.destroy(resource).catch(() => {});
      throw this.#closedError();
    }
    this.#busy.add(resource);
    return resource;
  }

  #wait(options: AcquireOptions): Promise<T | undefined> {
    const { signal, acquireTimeoutMs, shareKey } = options;
    if (!(acquireTimeoutMs > 0)) return Promise.reject(this.#timeoutError(0, shareKey));
    return new Promise<T | undefined>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
      };
      const waiter: Waiter<T> = {
        shareKey,
        resolve: (resource) => {
          settle();
          resolve(resource);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      const timer = setTimeout(
        () => waiter.reject(this.#timeoutError(acquireTimeoutMs, shareKey)),
        acquireTimeoutMs,
      );
      const onAbort = () => waiter.reject(new AbortedError(signal?.reason));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #release(resource: T, discard: boolean): void {
    if (!this.#busy.delete(resource)) return; // already destroyed by close()
    if (this.#closed || discard || !(this.#options.isUsable?.(resource) ?? true)) {
      this.#drop(resource);
      return;
    }
    const waiter = this.#nextWaiter();
    if (waiter) {
      this.#busy.add(resource);
      this.#hold(waiter.shareKey);
      waiter.resolve(resource);
    } else {
      this.#idle.push(resource);
    }
  }

  /** Destroys a resource and lets the first waiter create a new one in its slot. */
  #drop(resource: T): void {
    this.#slots--;
    void this.#options.destroy(resource).catch(() => {});
    this.#wakeForFreeSlot();
  }

  /** Hands idle resources, or free slots, to waiters whose key has come below its share. */
  #wakeForFreeSlot(): void {
    if (this.#closed) return;
    this.#wakeForIdle();
    for (let waiter = this.#nextWaiter(); waiter && this.#slots < this.max; ) {
      this.#slots++; // reserved for the waiter, so no newcomer takes the slot in between
      this.#hold(waiter.shareKey);
      waiter.resolve(undefined);
      waiter = this.#nextWaiter();
    }
  }

  #wakeForIdle(): void {
    while (this.#idle.length > 0 && this.#nextWaiter()) {
      // Taking may drop broken resources, which wakes waiters for their slots: ask again after.
      const resource = this.#takeIdle();
      if (resource === undefined) return;
      const waiter = this.#nextWaiter();
      if (!waiter) {
        this.#busy.delete(resource);
        this.#idle.push(resource);
        return;
      }
      this.#hold(waiter.shareKey);
      waiter.resolve(resource);
    }
  }

  #timeoutError(acquireTimeoutMs: number, shareKey: string | undefined): AcquireTimeoutError {
    // A key at its share: a free resource would not have helped, so that is what to report.
    const share = this.#belowShare(shareKey) ? undefined : this.maxPerKey;
    return new AcquireTimeoutError(this.#options.label, this.max, acquireTimeoutMs, share);
  }

  #closedError(): ConnectionError {
    return new ConnectionError(`The pool of ${this.#options.label}s is closed`, { sent: false });
  }
}
