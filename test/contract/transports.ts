/**
 * The contract suite's harness: every capability's contract tests run once per transport —
 * TCP straight to redis-server, and REST through the project's own gateway — with the same
 * assertions, proving a capability works unchanged on both.
 */
import { afterAll, beforeAll, describe, inject } from "vitest";
import type { RedgeClient } from "../../src/index.js";
import { createNodeClient } from "../../src/node.js";
import { type RunningGateway, startGateway } from "../helpers/gateway.js";

export type TransportName = "tcp" | "rest";

export interface ClientTweaks {
  keyPrefix?: string;
  commandTimeoutMs?: number;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export interface TransportContext {
  readonly name: TransportName;
  /** The suite's shared client for this transport. */
  readonly client: RedgeClient;
  /** A new, separate client (own connection) for concurrency tests; closed after the suite. */
  makeClient(options?: ClientTweaks): RedgeClient;
  /** A key name unique to this test run, so parallel files never collide on the shared server. */
  key(name: string): string;
}

const runId = Math.random().toString(36).slice(2, 8);

export function describeTransports(title: string, body: (t: TransportContext) => void): void {
  describe.each<TransportName>(["tcp", "rest"])(`${title} [%s]`, (name) => {
    let gateway: RunningGateway | undefined;
    let shared: RedgeClient | undefined;
    const extra: RedgeClient[] = [];
    const redisUrl = inject("redisUrl");

    const make = (options: ClientTweaks = {}) => {
      const client =
        name === "tcp"
          ? createNodeClient({ url: redisUrl, ...options })
          : createNodeClient({ url: gateway!.url, token: gateway!.token, ...options });
      return client;
    };

    beforeAll(async () => {
      if (name === "rest") gateway = await startGateway({ redisUrl });
      shared = make();
    });
    afterAll(async () => {
      await Promise.all([shared?.close(), ...extra.map((c) => c.close())]);
      await gateway?.close();
    });

    const context: TransportContext = {
      name,
      get client() {
        if (!shared) throw new Error("the transport is not ready yet (use it inside a test)");
        return shared;
      },
      makeClient(options) {
        const client = make(options);
        extra.push(client);
        return client;
      },
      key: (key) => `test:${runId}:${name}:${key}`,
    };
    body(context);
  });
}
