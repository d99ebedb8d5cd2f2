/**
 * The Workers bundle exactly as `wrangler deploy` would upload it: `wrangler deploy --dry-run
 * --outdir <dir>` with the repository's wrangler.toml, offline (no account, no metrics).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "./cli.js";

export const WRANGLER_BIN = join(root, "node_modules/wrangler/bin/wrangler.js");

export interface WorkerBuild {
  dir: string;
  /** The bundled module (worker/adapter/cloudflare/index.ts → index.js). */
  script: string;
  /** What wrangler printed (its own size line included). */
  log: string;
}

/** The compatibility date wrangler.toml deploys with, so tests run the same workerd behaviour. */
export function compatibilityDate(): string {
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!date) throw new Error("wrangler.toml has no compatibility_date");
  return date;
}

export async function buildWorker(): Promise<WorkerBuild> {
  const dir = mkdtempSync(join(tmpdir(), "redge-worker-"));
  // No account: a dry run never talks to Cloudflare, and a developer's token must not be used.
  const env: NodeJS.ProcessEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
  delete env.CLOUDFLARE_API_TOKEN;
  delete env.CLOUDFLARE_ACCOUNT_ID;
  const child = spawn(process.execPath, [WRANGLER_BIN, "deploy", "--dry-run", "--outdir", dir], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => {
    log += String(d);
  });
  child.stderr.on("data", (d) => {
    log += String(d);
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`wrangler deploy --dry-run failed (${code}):\n${log}`);
  return { dir, script: join(dir, "index.js"), log };
}
