/**
 * Reads Redis' command table once the gateway first reaches Redis, runs the start-up checks that
 * need it, and keeps the result: requests that arrive before it is read wait for it (or get 503
 * while Redis is down); a failed check is final, so the gateway never serves with a policy it
 * could not prove.
 *
 * Checks: with `allowScripts`, the ACL user must be barred from what the gateway denies
 * (acl-check.ts); with RESTORE allowed, a warning when Redis accepts unchecked DUMP payloads
 * (`sanitize-dump-payload no`, the default: a crafted payload can crash the server).
 */
import { ConfigError } from "../core/errors.js";
import { checkScriptUser } from "./acl-check.js";
import { type CommandTable, loadCommandTable } from "./command-table.js";

export interface PolicyLoaderSettings {
  /** Sends one command to Redis, string replies. */
  run(command: string[]): Promise<unknown>;
  /** One such sender per master (a Cluster has several, each with its own ACL users). */
  masters(): Promise<((command: string[]) => Promise<unknown>)[]>;
  allow: ReadonlySet<string>;
  allowScripts: boolean;
  log?: ((line: string) => void) | undefined;
}

/** The gateway refuses to serve: its Redis user could run what the policy denies. */
export class GatewayRefusal extends ConfigError {
  constructor(message: string) {
    super([{ path: "allowScripts", message }]);
    this.name = "GatewayRefusal";
    // The operator reads this line as it is; "Invalid redge config: allowScripts:" adds nothing.
    this.message = message;
  }
}

export interface PolicyLoader {
  /** The table, once read. */
  current(): CommandTable | undefined;
  /** Reads the table (once; concurrent callers share one read), rejecting while Redis is down. */
  load(): Promise<CommandTable>;
  /** Resolves once the table is read and every check passed; rejects with a GatewayRefusal. */
  readonly ready: Promise<void>;
}

export function createPolicyLoader(settings: PolicyLoaderSettings): PolicyLoader {
  let table: CommandTable | undefined;
  let refusal: GatewayRefusal | undefined;
  let pending: Promise<CommandTable> | undefined;
  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Nobody may be listening (an embedded gateway); the refusal also reaches every request.
  ready.catch(() => {});

  async function read(): Promise<CommandTable> {
    const loaded = await loadCommandTable(settings.run);
    if (settings.allowScripts) {
      for (const run of await settings.masters()) {
        const result = await checkScriptUser(run, loaded, settings.allow);
        if (!result.ok) {
          refusal = new GatewayRefusal(
            `--allow-scripts needs a Redis user that scripts cannot use to run denied commands: ${result.reason}. Create one and give the gateway its name and password:\n  ${result.aclSetUser}`,
          );
          throw refusal;
        }
        settings.log?.(
          `redge gateway: scripts allowed; Redis user '${result.user}' is barred from the ${result.checked} denied commands a script could call (ACL DRYRUN)`,
        );
      }
    }
    if (settings.allow.has("RESTORE")) await warnUnsanitizedRestore(settings);
    return loaded;
  }

  return {
    current: () => table,
    load() {
      if (table) return Promise.resolve(table);
      if (refusal) return Promise.reject(refusal);
      pending ??= read().then(
        (loaded) => {
          table = loaded;
          settle?.resolve();
          return loaded;
        },
        (error: unknown) => {
          pending = undefined;
          if (error === refusal) settle?.reject(error);
          else if (error instanceof Error && /Redis 7\.0 or newer/.test(error.message)) {
            refusal = new GatewayRefusal(error.message);
            settle?.reject(refusal);
            throw refusal;
          }
          throw error;
        },
      );
      return pending;
    },
    ready,
  };
}

async function warnUnsanitizedRestore(settings: PolicyLoaderSettings): Promise<void> {
  let value: string | undefined;
  try {
    const reply = await settings.run(["CONFIG", "GET", "sanitize-dump-payload"]);
    value = Array.isArray(reply) ? String(reply[1]) : undefined;
  } catch {
    settings.log?.(
      "redge gateway: warning: RESTORE is allowed and the gateway cannot read sanitize-dump-payload (CONFIG GET refused); set it to yes on the server, or a crafted payload can crash Redis",
    );
    return;
  }
  if (value === "no") {
    settings.log?.(
      "redge gateway: warning: RESTORE is allowed and Redis has sanitize-dump-payload no: a crafted DUMP payload can crash the server; set sanitize-dump-payload yes",
    );
  }
}
