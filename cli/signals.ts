/**
 * How the `redge` process learns that it should stop: SIGINT (Ctrl-C), SIGTERM (a supervisor, an
 * editor's stop button), SIGHUP (the terminal closed), and, for `redge dev`, its parent exiting.
 *
 * Run through `npm run`, one event often arrives twice: the kernel delivers a signal sent to the
 * process group to every member, and npm forwards the one it got to its child too. A repeat of
 * the first signal within `DUPLICATE_WINDOW_MS` is that echo; a later signal means "stop now".
 */

export const SHUTDOWN_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const DUPLICATE_WINDOW_MS = 1_000;
/** `128 + signal number`, the shell's convention for "killed by": SIGHUP 1, SIGINT 2, SIGTERM 15. */
const EXIT_CODES: Record<(typeof SHUTDOWN_SIGNALS)[number], number> = {
  SIGHUP: 129,
  SIGINT: 130,
  SIGTERM: 143,
};
/** How often the parent is checked: Node has no "parent died" event. */
const PARENT_POLL_MS = 250;

let signalled: Promise<string> | undefined;

/**
 * Resolves with the first shutdown signal. After it, a repeat other than its echo exits at once
 * (the exit hooks still stop child processes: see cli/dev/).
 */
export function shutdownSignal(): Promise<string> {
  signalled ??= new Promise((resolve) => {
    let first: { signal: string; at: number } | undefined;
    const onSignal = (signal: (typeof SHUTDOWN_SIGNALS)[number]) => {
      if (first === undefined) {
        first = { signal, at: Date.now() };
        resolve(signal);
        return;
      }
      if (signal === first.signal && Date.now() - first.at < DUPLICATE_WINDOW_MS) return;
      process.exit(EXIT_CODES[signal]);
    };
    for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
  });
  return signalled;
}

/**
 * Resolves when the process that started this one exits (this one is re-parented): `npm run dev`
 * killed by SIGHUP, or the shell between npm and node killed by SIGTERM, leaves no one to stop it.
 * Never resolves when the parent is init already.
 */
export function parentExited(): Promise<void> {
  const parent = process.ppid;
  return new Promise((resolve) => {
    if (parent <= 1) return;
    const timer = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(timer);
      resolve();
    }, PARENT_POLL_MS);
    timer.unref();
  });
}
