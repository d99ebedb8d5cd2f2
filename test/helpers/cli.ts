/**
 * Runs the `redge` CLI from source as a real process, for the CLI tests.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));

// tsx by absolute URL, so the CLI also starts from a scratch directory where `tsx` does not resolve.
const CLI = [
  "--import",
  pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href,
  join(root, "cli/index.ts"),
];

/** The environment without any REDGE_ / REDIS_URL / PORT variable a developer may have set. */
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(REDGE_|REDIS_URL$|PORT$)/.test(k)),
);

export interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): CliRun {
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: options.cwd ?? root,
    env: { ...cleanEnv, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += String(d);
  });
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}
