/**
 * A rate limiter over Redis: `limit(identifier)` answers whether a call may go ahead, in one round
 * trip (one EVALSHA of the algorithm's script), counted atomically on the server so the limit is
 * exact across every client and instance. Time is the server's clock.
 */
import type { CoreClient } from "../core/client.js";
import { ValidationError } from "../core/errors.js";
import type { RedisReply } from "../core/port.js";
import { replyArray } from "../core/replies.js";
import type { Script } from "../core/script.js";
import { parseInput } from "../core/validation.js";
import { ratelimitKey } from "./keys.js";
import { fixedScript, slidingScript, tokenBucketScript } from "./lua.gen.js";
import {
  DEFAULT_RATELIMIT_PREFIX,
  identifierSchema,
  type LimitCallOptions,
  limitCallOptionsSchema,
  type RatelimitAlgorithm,
  type RatelimitOptions,
  ratelimitOptionsSchema,
} from "./schemas.js";

export interface LimitResult {
  /** Whether the call may go ahead (its cost was taken). */
  success: boolean;
  /** Units left now (after this call's cost when it succeeded). */
  remaining: number;
  /**
   * When the limiter is back to its full limit if nothing more is taken (server ms): the window's
   * end for fixed and sliding, the moment the bucket is full for token-bucket.
   */
  resetAt: number;
  /** 0 on success; otherwise how long (ms) until the same call can succeed. */
  retryAfterMs: number;
  limit: number;
}

const SCRIPTS: Record<RatelimitAlgorithm, Script> = {
  fixed: fixedScript,
  sliding: slidingScript,
  "token-bucket": tokenBucketScript,
};

export class RateLimiter {
  readonly limitPerWindow: number;
  readonly windowMs: number;
  readonly algorithm: RatelimitAlgorithm;
  readonly prefix: string;
  readonly #client: CoreClient;

  /** Prefer `client.ratelimit(options)`. Throws a ValidationError for bad options. */
  constructor(client: CoreClient, options: RatelimitOptions) {
    const o = parseInput(ratelimitOptionsSchema, options, "options");
    this.#client = client;
    this.limitPerWindow = o.limit;
    this.windowMs = o.windowMs;
    this.algorithm = o.algorithm;
    this.prefix = o.prefix ?? DEFAULT_RATELIMIT_PREFIX;
  }

  /**
   * Takes `cost` units (default 1) for `identifier` if the limit allows, in one round trip.
   * Not retried after a fault that may have let it run (a repeat would take the units twice).
   */
  async limit(identifier: string, options?: LimitCallOptions): Promise<LimitResult> {
    const id = parseInput(identifierSchema, identifier, "identifier");
    const cost = parseInput(limitCallOptionsSchema, options, "options")?.cost ?? 1;
    if (cost > this.limitPerWindow) {
      throw new ValidationError([
        { path: "options.cost", message: `must be at most the limit (${this.limitPerWindow})` },
      ]);
    }
    const reply = await this.#client.runScript(
      SCRIPTS[this.algorithm],
      [ratelimitKey(this.#client, this.prefix, this.algorithm, id)],
      [this.limitPerWindow, this.windowMs, cost],
      { idempotent: false },
    );
    return this.#result(reply);
  }

  /** Forgets what `identifier` has taken: its next call starts from the full limit. */
  async reset(identifier: string): Promise<void> {
    const id = parseInput(identifierSchema, identifier, "identifier");
    await this.#client.command([
      "DEL",
      ratelimitKey(this.#client, this.prefix, this.algorithm, id),
    ]);
  }

  #result(raw: RedisReply): LimitResult {
    const [success, remaining, resetAt, retryAfterMs] = replyArray(raw, "a ratelimit script");
    return {
      success: Number(success) === 1,
      remaining: Number(remaining),
      resetAt: Number(resetAt),
      retryAfterMs: Number(retryAfterMs),
      limit: this.limitPerWindow,
    };
  }
}

/** A rate limiter on `client` (what `client.ratelimit(options)` returns). */
export function createRatelimit(client: CoreClient, options: RatelimitOptions): RateLimiter {
  return new RateLimiter(client, options);
}
