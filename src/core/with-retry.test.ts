import { describe, expect, it } from "vitest";
import { CommandError, ConnectionError, TimeoutError, ValidationError } from "./errors.js";
import { withRetry } from "./with-retry.js";

const fast = { baseDelayMs: 1, maxDelayMs: 4 };

describe("withRetry (the seed's retry decorator)", () => {
  it("retries transient faults with backoff, then returns the first success", async () => {
    const delays: number[] = [];
    let calls = 0;
    const flaky = withRetry(
      async (a: number, b: number) => {
        calls++;
        if (calls === 1) throw new ConnectionError("refused", { sent: false });
        if (calls === 2) throw new TimeoutError(10);
        if (calls === 3) throw new CommandError("LOADING Redis is loading the dataset");
        return a + b;
      },
      { ...fast, jitter: false, onRetry: (_e, _attempt, delay) => delays.push(delay) },
    );
    expect(await flaky(2, 3)).toBe(5);
    expect(calls).toBe(4);
    expect(delays).toEqual([1, 2, 4]); // doubling from the base, capped
  });

  it("gives up after `retries` with the last error, and never retries other errors", async () => {
    let calls = 0;
    const down = withRetry(
      async () => {
        calls++;
        throw new ConnectionError(`down ${calls}`, { sent: false });
      },
      { ...fast, retries: 2 },
    );
    await expect(down()).rejects.toThrow("down 3");
    expect(calls).toBe(3);

    let wrong = 0;
    const typeError = withRetry(async () => {
      wrong++;
      throw new CommandError("WRONGTYPE Operation against a key");
    }, fast);
    await expect(typeError()).rejects.toBeInstanceOf(CommandError);
    const plain = withRetry(async () => {
      wrong++;
      throw new Error("a bug, not a fault");
    }, fast);
    await expect(plain()).rejects.toThrow("a bug");
    expect(wrong).toBe(2);
  });

  it("idempotent: false retries only faults after which nothing ran", async () => {
    let calls = 0;
    const once = withRetry(
      async () => {
        calls++;
        throw new TimeoutError(10);
      },
      { ...fast, idempotent: false },
    );
    await expect(once()).rejects.toBeInstanceOf(TimeoutError);
    expect(calls).toBe(1);
    let refused = 0;
    const notSent = withRetry(
      async () => {
        if (++refused < 3) throw new ConnectionError("refused", { sent: false });
        return "ran once";
      },
      { ...fast, idempotent: false },
    );
    expect(await notSent()).toBe("ran once");
  });

  it("retryOn decides which errors are retried; this and a sync result pass through", async () => {
    let calls = 0;
    const custom = withRetry(
      () => {
        if (++calls < 3) throw new Error("busy");
        return "sync ok";
      },
      { ...fast, retryOn: (e) => e instanceof Error && e.message === "busy" },
    );
    expect(await custom()).toBe("sync ok");
    const counter = {
      n: 10,
      bump: withRetry(async function (this: { n: number }, by: number) {
        this.n += by;
        return this.n;
      }, fast),
    };
    expect(await counter.bump(5)).toBe(15);
  });

  it("stops waiting between attempts when its signal fires", async () => {
    const controller = new AbortController();
    const waiting = withRetry(
      async () => {
        throw new ConnectionError("down", { sent: false });
      },
      { baseDelayMs: 60_000, maxDelayMs: 60_000, signal: controller.signal },
    )();
    setTimeout(() => controller.abort(), 10);
    await expect(waiting).rejects.toMatchObject({ code: "aborted" });
  });

  it("validates fn and options when wrapping, naming the field", () => {
    const paths = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError);
        return (error as ValidationError).issues.map((i) => i.path);
      }
      throw new Error("accepted");
    };
    const fn = async () => 1;
    expect(paths(() => withRetry("x" as never))).toEqual(["fn"]);
    expect(paths(() => withRetry(fn, { retries: -1 }))).toEqual(["options.retries"]);
    expect(paths(() => withRetry(fn, { retries: 21 }))).toEqual(["options.retries"]);
    expect(paths(() => withRetry(fn, { baseDelayMs: 500, maxDelayMs: 100 }))).toEqual([
      "options.maxDelayMs",
    ]);
    expect(paths(() => withRetry(fn, { attempts: 3 } as never))).toEqual(["options"]);
    expect(paths(() => withRetry(fn, { signal: {} as never }))).toEqual(["options.signal"]);
  });
});
