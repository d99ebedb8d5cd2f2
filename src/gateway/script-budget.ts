/**
 * Time budgets for scripts the gateway does not know (`allowScripts`). A script that runs longer
 * than the budget is stopped with SCRIPT KILL (FUNCTION KILL for FCALL), sent on a connection of
 * the gateway's own that no request uses, since the request's connection is stuck behind the
 * script. The caller then gets an error saying so instead of Redis staying frozen.
 *
 * What Redis allows: it reads other connections during a script only once the script has run
 * for its `busy-reply-threshold` (5 s by default), so the effective budget is at least that; and
 * it refuses to kill a script that has written (UNKILLABLE: only SHUTDOWN NOSAVE ends it), which
 * is logged. Read-only scripts (EVAL_RO, FCALL_RO, `no-writes`) can always be stopped.
 */
import { CommandError } from "../core/errors.js";

export type Kill = "SCRIPT" | "FUNCTION";
type Send = (command: string[]) => Promise<unknown>;

export interface ScriptWatch {
  /** Call when the reply arrived; true when the budget ran out and a kill was sent. */
  settle(): boolean;
}

export interface ScriptBudget {
  readonly budgetMs: number;
  start(kill: Kill): ScriptWatch;
  /** Replaces Redis' "killed by user" error of a run whose watch fired with the gateway's reason. */
  explain(error: CommandError, kill: Kill): CommandError;
}

const KILLED = /killed|kill/i;

export function createScriptBudget(settings: {
  budgetMs: number;
  /** Connections for SCRIPT KILL, one per master; opened on first use. */
  controls: () => Send[];
  log?: ((line: string) => void) | undefined;
}): ScriptBudget {
  const { budgetMs, log } = settings;

  const fire = (kill: Kill) => {
    for (const send of settings.controls()) {
      send([kill, "KILL"]).catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (/^NOTBUSY/.test(message)) return;
        if (/^UNKILLABLE/.test(message)) {
          log?.(
            `redge gateway: a script ran past its ${budgetMs} ms budget but has written, so Redis will not kill it; Redis stays busy until it ends (only SHUTDOWN NOSAVE stops it)`,
          );
          return;
        }
        log?.(`redge gateway: ${kill} KILL failed: ${message.slice(0, 200)}`);
      });
    }
  };

  return {
    budgetMs,
    start(kill) {
      let fired = false;
      const timer = setTimeout(() => {
        fired = true;
        fire(kill);
      }, budgetMs);
      return {
        settle() {
          clearTimeout(timer);
          return fired;
        },
      };
    },
    explain(error, kill) {
      if (!KILLED.test(error.message)) return error;
      return new CommandError(
        `ERR the script ran longer than the gateway's budget of ${budgetMs} ms and was stopped with ${kill} KILL`,
      );
    },
  };
}
