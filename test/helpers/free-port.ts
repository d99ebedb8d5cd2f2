import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * Outgoing connections take their local port from the kernel's ephemeral range, and so does
 * `listen(0)`: a port found free that way can be taken, a moment later, by some test's client
 * socket, and a redis-server started on it then fails with "Address already in use" (seen in a
 * full run). Ports are picked below that range instead, where only listeners live.
 */
function ephemeralStart(): number {
  try {
    const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
      .trim()
      .split(/\s+/);
    const start = Number(low);
    return Number.isInteger(start) && start > 2_000 ? start : 32_768;
  } catch {
    return 32_768;
  }
}

const HIGHEST = ephemeralStart() - 1;
const LOWEST = Math.max(10_000, HIGHEST - 20_000);

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A free TCP port on loopback, never Redis' default 6379 (a developer's own server may use it). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST + 1));
    if (port === 6379) continue;
    if (await bindable(port)) return port;
  }
}
