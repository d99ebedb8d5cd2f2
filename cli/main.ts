/**
 * `redge <subcommand> [options]`: dispatches to one file per subcommand. Subcommands are loaded
 * lazily, so `redge --help` does not pull in ioredis or Hono. To add one (`serve`, `dev`), write
 * `cli/<name>.ts` exporting a `Subcommand` and list it below.
 */
import { type CliContext, EXIT_USAGE, type Subcommand } from "./context.js";

const SUBCOMMANDS: Record<string, { summary: string; load: () => Promise<Subcommand> }> = {
  gateway: {
    summary: "serve the Upstash REST protocol in front of a Redis server",
    load: async () => (await import("./gateway.js")).gatewayCommand,
  },
  serve: {
    summary: "serve the redge HTTP API (cache, subjects, queues, streams) on Node over TCP",
    load: async () => (await import("./serve.js")).serveCommand,
  },
  dev: {
    summary: "run a local Redis, the gateway and the worker for development (Ctrl-C stops all)",
    load: async () => (await import("./dev.js")).devCommand,
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(SUBCOMMANDS).map((n) => n.length));
  const lines = Object.entries(SUBCOMMANDS).map(
    ([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`,
  );
  return [
    "Usage: redge <command> [options]",
    "",
    "Commands:",
    ...lines,
    "",
    "Run `redge <command> --help` for a command's options.",
  ].join("\n");
}

export async function main(argv: string[], context: CliContext): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    const topic = first === "help" ? rest[0] : undefined;
    if (topic && SUBCOMMANDS[topic]) {
      context.out((await SUBCOMMANDS[topic].load()).usage);
      return 0;
    }
    context.out(usage());
    return first === undefined ? EXIT_USAGE : 0;
  }
  const entry = SUBCOMMANDS[first];
  if (!entry) {
    // The unknown word is not echoed: it could be a secret typed in the wrong place.
    context.err("redge: unknown command");
    context.err(usage());
    return EXIT_USAGE;
  }
  return (await entry.load()).run(rest, context);
}
