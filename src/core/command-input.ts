/**
 * Validation of raw commands handed to `client.command()` / `pipeline()` / `transaction()`.
 *
 * This is the hot path of every operation, so it is a plain loop rather than a zod schema
 * (a zod parse per command costs more than the Redis round trip on loopback).
 */
import { ValidationError } from "./errors.js";
import type { RedisCommand } from "./port.js";

export function assertCommand(command: unknown, path = "command"): asserts command is RedisCommand {
  if (!Array.isArray(command) || command.length === 0) {
    throw new ValidationError([{ path, message: 'must be a non-empty array like ["GET", "key"]' }]);
  }
  const name = command[0];
  if (typeof name !== "string" || name.length === 0) {
    throw new ValidationError([
      { path: `${path}.0`, message: "must be the command name (a non-empty string)" },
    ]);
  }
  for (let i = 1; i < command.length; i++) {
    const arg = command[i];
    if (typeof arg === "string") continue;
    if (typeof arg === "number" && Number.isFinite(arg)) continue;
    throw new ValidationError([
      { path: `${path}.${i}`, message: "must be a string or a finite number" },
    ]);
  }
}

export function assertCommands(
  commands: unknown,
  path = "commands",
): asserts commands is RedisCommand[] {
  if (!Array.isArray(commands)) {
    throw new ValidationError([{ path, message: "must be an array of commands" }]);
  }
  for (let i = 0; i < commands.length; i++) assertCommand(commands[i], `${path}.${i}`);
}
