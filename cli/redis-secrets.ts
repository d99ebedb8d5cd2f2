/**
 * Where the CLI takes the Redis password from, so it never has to be on the command line (any
 * user of the machine can read a process' arguments with `ps`): `--redis-password-file <path>` /
 * `REDIS_PASSWORD_FILE` (a file holding only the password, e.g. a mounted secret), else
 * `REDIS_PASSWORD`, else a password inside `REDIS_URL`. A password given inside `--redis` still
 * works, with a warning, and the process' visible arguments are then overwritten.
 */
import { readFileSync } from "node:fs";

export class SecretError extends Error {}

/** The password from a file or the environment; `undefined` when neither gives one. */
export function redisPassword(
  file: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const path = file ?? env.REDIS_PASSWORD_FILE;
  if (path !== undefined) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      const code = (error as { code?: string }).code ?? "unreadable";
      throw new SecretError(`cannot read the Redis password file (${code})`);
    }
    const password = text.replace(/\r?\n$/, "");
    if (password === "") throw new SecretError("the Redis password file is empty");
    return password;
  }
  return env.REDIS_PASSWORD || undefined;
}

/** `url` with `password` put in (unless the URL already has one, which then wins). */
export function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.password !== "") return url;
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/** Whether a URL typed on the command line carries a password. */
export function hasPassword(url: string | undefined): boolean {
  if (url === undefined) return false;
  try {
    return new URL(url).password !== "";
  } catch {
    return false;
  }
}

export const PASSWORD_ON_COMMAND_LINE =
  "warning: the Redis password in --redis is visible to every user of this machine (ps); pass it with REDIS_URL, REDIS_PASSWORD or --redis-password-file instead";
