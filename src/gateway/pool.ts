/**
 * A small pool of dedicated resources (Redis connections for MULTI/EXEC). A transaction holds one
 * connection from MULTI to EXEC, so concurrent transactions never interleave on a connection and a
 * connection is never shared mid-transaction. Resources are created lazily, up to `size`; callers
 * beyond that wait in FIFO order, for at most `acquireTimeoutMs`.
 */
import { ConnectionError } from "../errors.js";

export interface PoolOptions<T> {
  size: number;
  create: () => T;
  destroy: (resource: T) => Promise<void>;
  /** Whether an idle resource can still be used (e.g. its connection was not ended). */
  usable?: (resource: T) => boolean;
  acquireTimeoutMs: number;
}

export interface Pool<T> {
  /** Runs `fn` with a resource held exclusively for its duration. */
  use<R>(fn: (resource: T) => Promise<R>): Promise<R>;
  /** Refuses new users, waits for none, destroys every resource. */
  close(): Promise<void>;
  /** Resources currently open, idle or in use. */
  readonly size: number;
}

interface Waiter<T> {
  resolve: (resource: T) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export function createPool<T>(options: PoolOptions<T>): Pool<T> {
  const all = new Set<T>();
  const idle: T[] = [];
  const waiters: Waiter<T>[] = [];
  let closed = false;

  const closedError = () => new ConnectionError("UNAVAILABLE the gateway is shutting down");

  function acquire(): Promise<T> {
    if (closed) return Promise.reject(closedError());
    while (idle.length > 0) {
      const resource = idle.pop()!;
      if (options.usable?.(resource) ?? true) return Promise.resolve(resource);
      all.delete(resource);
      void options.destroy(resource).catch(() => {});
    }
    if (all.size < options.size) {
      const resource = options.create();
      all.add(resource);
      return Promise.resolve(resource);
    }
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve,
        reject,
        timer: setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(
            new ConnectionError(
              `UNAVAILABLE every transaction connection stayed busy for ${options.acquireTimeoutMs} ms`,
              { sent: false },
            ),
          );
        }, options.acquireTimeoutMs),
      };
      waiters.push(waiter);
    });
  }

  function release(resource: T): void {
    const waiter = waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(resource);
    } else if (closed) {
      all.delete(resource);
      void options.destroy(resource).catch(() => {});
    } else {
      idle.push(resource);
    }
  }

  return {
    async use(fn) {
      const resource = await acquire();
      try {
        return await fn(resource);
      } finally {
        release(resource);
      }
    },
    async close() {
      closed = true;
      for (const waiter of waiters.splice(0)) {
        clearTimeout(waiter.timer);
        waiter.reject(closedError());
      }
      idle.length = 0;
      const resources = [...all];
      all.clear();
      await Promise.all(resources.map((r) => options.destroy(r).catch(() => {})));
    },
    get size() {
      return all.size;
    },
  };
}
