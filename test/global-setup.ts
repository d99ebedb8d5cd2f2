/**
 * Vitest global setup: one real redis-server for the whole run, on a free loopback port, with no
 * persistence. Tests read its URL with `inject("redisUrl")` and use unique key names, so test
 * files can run in parallel against it.
 */
import type { TestProject } from "vitest/node";
import { INSTALL_HINT, startRedisServer } from "./helpers/redis-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
    redisPort: number;
  }
}

export default async function setup(project: TestProject) {
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  try {
    redis = await startRedisServer();
  } catch (error) {
    if (error instanceof Error && error.message === INSTALL_HINT) {
      // One clear line instead of a stack trace.
      console.error(INSTALL_HINT);
      process.exit(1);
    }
    throw error;
  }
  project.provide("redisUrl", redis.url);
  project.provide("redisPort", redis.port);
  return async () => {
    await redis.stop();
  };
}
