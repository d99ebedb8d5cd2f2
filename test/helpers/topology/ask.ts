/**
 * One command to one server on a fresh connection that never retries, for setting up and
 * inspecting topologies (a shared connection would hide which server answered).
 */
import { Redis } from "ioredis";

export async function ask(port: number, ...command: (string | number)[]): Promise<unknown> {
  const redis = new Redis({
    host: "127.0.0.1",
    port,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
    commandTimeout: 2_000,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    const [name, ...args] = command;
    return await redis.call(String(name), ...args);
  } finally {
    redis.disconnect();
  }
}

/** `INFO <section>` as a map of its `field:value` lines. */
export async function info(port: number, section: string): Promise<Map<string, string>> {
  const text = String(await ask(port, "INFO", section));
  const fields = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) fields.set(line.slice(0, i), line.slice(i + 1));
  }
  return fields;
}
