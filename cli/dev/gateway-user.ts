/**
 * `redge dev` lets any script run through its gateway (the official client's `createScript` needs
 * it), so the gateway connects to the Redis that dev started as a user of its own, barred from
 * every command the gateway denies: the very `ACL SETUSER` line `redge gateway --allow-scripts`
 * asks an operator for. The password is random per run and never printed or written to disk
 * (ACL users are not kept in the data files, so the user is made again on every start).
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { aclSetUserLine } from "../../src/gateway/acl-check.js";

export const DEV_GATEWAY_USER = "redge-gateway";

/** Creates (or recreates) the user on the Redis at `redisUrl`; returns a URL logging in as it. */
export async function createDevGatewayUser(
  redisUrl: string,
  allow: ReadonlySet<string>,
): Promise<string> {
  const password = randomBytes(24).toString("base64url");
  const line = aclSetUserLine(DEV_GATEWAY_USER, allow).replace("<password>", password);
  const admin = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await admin.connect();
    // `reset` first: a user left by an earlier run must not keep that run's password.
    await admin.call("ACL", "SETUSER", DEV_GATEWAY_USER, "reset");
    await admin.call(...(line.split(" ") as [string, ...string[]]));
  } finally {
    admin.disconnect();
  }
  const url = new URL(redisUrl);
  url.username = DEV_GATEWAY_USER;
  url.password = password;
  return url.toString();
}
