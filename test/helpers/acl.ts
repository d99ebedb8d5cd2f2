/**
 * The Redis ACL user `--allow-scripts` needs (see src/gateway/acl-check.ts), created on a test's
 * own redis-server with the very line the gateway prints, so tests prove that line works.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { aclSetUserLine } from "../../src/gateway/acl-check.js";

/** Creates the user and returns a URL that logs in as it. */
export async function createScriptUser(
  redisUrl: string,
  options: { user?: string; allow?: ReadonlySet<string> } = {},
): Promise<string> {
  const user = options.user ?? "redge-gateway";
  const password = `pw-${randomUUID()}`;
  const line = aclSetUserLine(user, options.allow ?? new Set()).replace("<password>", password);
  const admin = new Redis(redisUrl);
  try {
    await admin.call(...(line.split(" ") as [string, ...string[]]));
  } finally {
    admin.disconnect();
  }
  const url = new URL(redisUrl);
  url.username = user;
  url.password = password;
  return url.toString();
}
