/**
 * A bounded pool of dedicated resources (seed: STEP's Redis connection pool). The TCP transport
 * keeps its blocking connections here: a blocking command (`XREADGROUP … BLOCK`) holds its
 * connection for the whole wait, so it cannot share the client's pipelined connection.
 *
 * - At most `max` resources exist at once; they are created lazily, on demand.
 * - A caller beyond that waits, first come first served, for at most `acquireTimeoutMs`, then
 *   fails with an `AcquireTimeoutError` that says how many resources were busy and for how long.
 * - A resource whose holder saw it break (`lease.discard()`), or that `isUsable` rejects, is
 *   destroyed instead of going back to the pool: the next caller never gets a broken one.
 * - `close()` fails the waiters, destroys idle resources at once and busy ones too (their holders
 *   see their command fail), so closing never waits for a long blocking command.
 *
 * Generic and free of Node imports, so it can be reused by any transport.
 */
import { AbortedError, ConnectionError, TimeoutError } from "../errors.js";

/** No resource became free within the acquire timeout: every one of them was busy. */
export class AcquireTimeoutError extends TimeoutError {
  /** The pool's size limit, all of which was in use. */
  readonly maxConnections: number;
  readonly acquireTimeoutMs: number;
  constructor(label: string, maxConnections: number, acquireTimeoutMs: number) {
    super(acquireTimeoutMs, {
      message:
        `No ${label} became free within ${acquireTimeoutMs} ms: all ${maxConnections} are in use ` +
        "(raise maxConnections, or the acquire timeout, or hold connections for shorter)",
    });
    this.name = "AcquireTimeoutError";
    this.maxConnections = maxConnections;
    this.acquireTimeoutMs = acquireTimeoutMs;
  }
}

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
}

export interface AcquireOptions {
  /** Give up waiting for a free resource after this many ms. */
  acquireTimeoutMs: number;
  /** Stop waiting when this fires (rejects with AbortedError). */
  signal?: AbortSignal | undefined;
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
  resolve: (resource: T | undefined) => void;
  reject: (error: Error) => void;
}

export class ResourcePool<T> {
  readonly max: number;
  readonly #options: PoolOptions<T>;
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
      this.#release(resource, discarded);
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

  async #acquire(options: AcquireOptions): Promise<T> {
    if (this.#closed) throw this.#closedError();
    if (options.signal?.aborted) throw new AbortedError(options.signal.reason);
    const idle = this.#takeIdle();
    if (idle !== undefined) return idle;
    if (this.#slots < this.max) {
      this.#slots++;
      return this.#create();
    }
    const handed = await this.#wait(options);
    // `undefined`: a slot was freed and reserved for this caller, rather than a resource handed over.
    return handed === undefined ? this.#create() : handed;
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
    return new Promise<T | undefined>((resolve, reject) => {
      const { signal, acquireTimeoutMs } = options;
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
      };
      const waiter: Waiter<T> = {
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
        () =>
          waiter.reject(new AcquireTimeoutError(this.#options.label, this.max, acquireTimeoutMs)),
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
    const waiter = this.#waiters[0];
    if (waiter) {
      this.#busy.add(resource);
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

  #wakeForFreeSlot(): void {
    if (this.#closed) return;
    const waiter = this.#waiters[0];
    if (waiter && this.#slots < this.max) {
      this.#slots++; // reserved for the waiter, so no newcomer takes the slot in between
      waiter.resolve(undefined);
    }
  }

  #closedError(): ConnectionError {
    return new ConnectionError(`The pool of ${this.#options.label}s is closed`, { sent: false });
  }
}
