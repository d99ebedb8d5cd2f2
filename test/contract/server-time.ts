/**
 * The server's clock for tests: a test that needs something to be due waits until Redis' own
 * clock (TIME) has passed the time, never for a fixed sleep deciding the outcome.
 */
import type { RedgeClient } from "../../src/index.js";

export async function serverMs(client: RedgeClient): Promise<number> {
  const [s, us] = (await client.command(["TIME"])) as [string, string];
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

/** Resolves once the server's clock reads at least `ms` (polls TIME; the clock decides). */
export async function untilServerTime(client: RedgeClient, ms: number): Promise<void> {
  for (;;) {
    const now = await serverMs(client);
    if (now >= ms) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, ms - now)));
  }
}
