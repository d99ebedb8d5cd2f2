/**
 * What a subcommand gets from the process, passed in rather than reached for, so subcommands can
 * be run in tests without touching the real process.
 */
export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Writes one line to standard output. */
  out(line: string): void;
  /** Writes one line to standard error. */
  err(line: string): void;
  /** Resolves with the first SIGINT/SIGTERM/SIGHUP received. */
  shutdownSignal(): Promise<string>;
  /**
   * Overwrites the process' visible command line (`ps`), once a secret was found on it. Absent
   * in tests, where there is no real process to change.
   */
  hideArguments?(title: string): void;
  /** Resolves when the parent process exits (nothing would be left to stop this one). */
  parentExited(): Promise<void>;
}

export interface Subcommand {
  readonly name: string;
  /** One line for `redge --help`. */
  readonly summary: string;
  /** Full help for `redge <name> --help`. */
  readonly usage: string;
  /** Runs the subcommand; resolves with the process exit code. */
  run(argv: string[], context: CliContext): Promise<number>;
}

/**
 * `redge serve` and `redge gateway`: after SIGTERM/SIGINT/SIGHUP, in-flight requests get this long
 * to finish; then Redis is closed (at most 1 s, a hung one is cut off) and the last answers get
 * 0.5 s, so the process exits within 4 s (well under 5) whatever Redis does.
 */
export const SHUTDOWN_TIMEOUT_MS = 2_500;

/** Exit code for bad usage (unknown option, missing token), as most CLIs use. */
export const EXIT_USAGE = 2;
