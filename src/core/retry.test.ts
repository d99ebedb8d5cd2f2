import { describe, expect, it } from "vitest";
import { CommandError, ConnectionError, TimeoutError } from "./errors.js";
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  retryWindowMs,
  runWithRetry,
  shouldRetry,
} from "./retry.js";

const fast = { retries: 3, baseDelayMs: 1, maxDelayMs: 4, jitter: false };

describe("backoffDelay", () => {
  it("doubles from the base and stops at the cap", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, jitter: false };
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, policy))).toEqual([
      100, 200, 400, 800, 1600, 2000,
    ]);
  });

  it("jitter keeps each delay between half and all of its value", () => {
    const policy = DEFAULT_RETRY_POLICY;
    expect(backoffDelay(2, policy, () => 0)).toBe(200);
    expect(backoffDelay(2, policy, () => 0.999999)).toBeCloseTo(400, 2);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(10, policy);
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(2000);
    }
  });
});

describe("retryWindowMs", () => {
  it("is every attempt's timeout plus the longest backoff sleeps", () => {
    // The README's figure: 4 × 5 s + 100 + 200 + 400 ms with the defaults.
    expect(retryWindowMs(DEFAULT_RETRY_POLICY, 5_000)).toBe(20_700);
    expect(retryWindowMs({ ...DEFAULT_RETRY_POLICY, retries: 0 }, 300)).toBe(300);
    expect(retryWindowMs({ ...DEFAULT_RETRY_POLICY, retries: 6 }, 1_000)).toBe(
      7_000 + 100 + 200 + 400 + 800 + 1_600 + 2_000,
    );
  });
});

describe("shouldRetry", () => {
  it("retries transient faults, never command errors", () => {
    expect(shouldRetry(new ConnectionError("x"), true)).toBe(true);
    expect(shouldRetry(new TimeoutError(10), true)).toBe(true);
    for (const prefix of ["LOADING", "READONLY", "TRYAGAIN", "MASTERDOWN", "CLUSTERDOWN"]) {
      expect(shouldRetry(new CommandError(`${prefix} busy`), true)).toBe(true);
    }
    expect(shouldRetry(new CommandError("WRONGTYPE Operation"), true)).toBe(false);
    expect(shouldRetry(new CommandError("ERR syntax error"), true)).toBe(false);
    expect(shouldRetry(new Error("boom"), true)).toBe(false);
  });

  it("for non-idempotent work retries only faults where nothing ran", () => {
    expect(shouldRetry(new ConnectionError("refused", { sent: false }), false)).toBe(true);
    expect(shouldRetry(new ConnectionError("reset", { sent: true }), false)).toBe(false);
    expect(shouldRetry(new TimeoutError(10), false)).toBe(false);
    expect(shouldRetry(new CommandError("READONLY replica"), false)).toBe(true);
  });
});

describe("runWithRetry", () => {
  it("retries up to the limit, then throws the last error", async () => {
    let calls = 0;
    const retried: number[] = [];
    await expect(
      runWithRetry(
        async () => {
          calls++;
          throw new ConnectionError("down", { sent: false });
        },
        { policy: fast, idempotent: true, onRetry: (_e, attempt) => retried.push(attempt) },
      ),
    ).rejects.toBeInstanceOf(ConnectionError);
    expect(calls).toBe(4);
    expect(retried).toEqual([1, 2, 3]);
  });

  it("returns the first success", async () => {
    let calls = 0;
    const value = await runWithRetry(
      async () => {
        calls++;
        if (calls < 3) throw new CommandError("LOADING Redis is loading");
        return "ok";
      },
      { policy: fast, idempotent: false },
    );
    expect(value).toBe("ok");
    expect(calls).toBe(3);
  });

  it("does not retry a command error", async () => {
    let calls = 0;
    await expect(
      runWithRetry(
        async () => {
          calls++;
          throw new CommandError("ERR wrong number of arguments");
        },
        { policy: fast, idempotent: true },
      ),
    ).rejects.toBeInstanceOf(CommandError);
    expect(calls).toBe(1);
  });

  it("stops waiting between attempts when aborted", async () => {
    const controller = new AbortController();
    const policy = { retries: 5, baseDelayMs: 10_000, maxDelayMs: 10_000, jitter: false };
    const started = Date.now();
    const pending = runWithRetry(
      async () => {
        throw new ConnectionError("down", { sent: false });
      },
      { policy, idempotent: true, signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: "aborted" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("reports the last fault as it is once stopped (the client was closed)", async () => {
    let calls = 0;
    let stopped = false;
    const fault = new ConnectionError("the connection closed", { sent: true });
    const pending = runWithRetry(
      async () => {
        calls++;
        stopped = true; // closed while this attempt was in flight
        throw fault;
      },
      { policy: fast, idempotent: true, stopped: () => stopped },
    );
    await expect(pending).rejects.toBe(fault);
    expect(calls).toBe(1);
  });
});
