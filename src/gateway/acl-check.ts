/**
 * Before the gateway lets arbitrary scripts run (`allowScripts`), it proves that Redis itself will
 * stop them from doing what the gateway denies: a script's `redis.call` never passes through the
 * gateway, but Redis checks the ACL of the connection's user on every call. For each denied
 * command a script could call (policy.ts `deniedInScripts`), `ACL DRYRUN <own user> <command>`
 * must answer that the user may not run it. Otherwise the gateway refuses to serve and prints the
 * `ACL SETUSER` line that makes such a user.
 */
import type { CommandSpec, CommandTable } from "./command-table.js";
import { deniedInScripts } from "./policy.js";

export type AclCheck =
  | { ok: true; user: string; checked: number }
  | { ok: false; user: string | undefined; reason: string; aclSetUser: string };

/** The words of a call that satisfies the command's arity (DRYRUN checks arity first). */
function dryRunWords(spec: CommandSpec): string[] {
  const words = spec.name.split("|");
  const wanted = Math.abs(spec.arity);
  while (words.length < wanted) words.push("x");
  return words;
}

/**
 * The user the gateway should connect as: everything but the dangerous and admin commands and
 * SELECT and MOVE (from a script they reach other databases), plus what the gateway itself needs: ROLE for
 * its health check and ACL DRYRUN for this check (neither can be called from a script), and the
 * commands the operator allowed.
 */
export function aclSetUserLine(user: string, allow: ReadonlySet<string>): string {
  const allowed = [...allow].map((entry) => `+${entry.toLowerCase().replace(" ", "|")}`);
  return [
    "ACL SETUSER",
    user,
    "on",
    "><password>",
    "~*",
    "&*",
    "+@all",
    "-@dangerous",
    "-@admin",
    "-select",
    "-move",
    "+role",
    "+acl|dryrun",
    ...allowed,
  ].join(" ");
}

/** `run` sends one command on the gateway's connection and resolves with its reply as text. */
export async function checkScriptUser(
  run: (command: string[]) => Promise<unknown>,
  table: CommandTable,
  allow: ReadonlySet<string>,
): Promise<AclCheck> {
  let user: string | undefined;
  const refuse = (reason: string): AclCheck => ({
    ok: false,
    user,
    reason,
    // Never suggest rewriting `default`: an operator would lock their own tools out.
    aclSetUser: aclSetUserLine(user && user !== "default" ? user : "redge-gateway", allow),
  });
  try {
    user = String(await run(["ACL", "WHOAMI"]));
  } catch (error) {
    return refuse(`ACL WHOAMI failed (${(error as Error).message.slice(0, 200)})`);
  }
  const permitted: string[] = [];
  const denied = deniedInScripts(table, allow);
  for (const spec of denied) {
    let reply: string;
    try {
      reply = String(await run(["ACL", "DRYRUN", user, ...dryRunWords(spec)]));
    } catch (error) {
      const message = (error as Error).message.slice(0, 200);
      return refuse(
        `ACL DRYRUN ${user} ${spec.name} failed (${message}); the user needs +acl|dryrun`,
      );
    }
    if (reply === "OK") permitted.push(spec.name.replace("|", " ").toUpperCase());
  }
  if (permitted.length > 0) {
    // Whole commands (FLUSHALL, MIGRATE) say more than CLUSTER subcommands: list them first.
    permitted.sort(
      (a, b) => Number(a.includes(" ")) - Number(b.includes(" ")) || a.localeCompare(b),
    );
    const shown = permitted.slice(0, 12).join(", ");
    const more = permitted.length > 12 ? ` and ${permitted.length - 12} more` : "";
    return refuse(
      `the Redis user '${user}' may run commands the gateway denies, and a script could call them: ${shown}${more}`,
    );
  }
  return { ok: true, user, checked: denied.length };
}
