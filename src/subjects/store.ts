/**
 * A store of subjects under one prefix, as KRules' `create_redis_storage(client, redis_prefix)`.
 */
import type { RedgeClient } from "../client.js";
import { parseInput } from "../validation.js";
import { type SubjectsOptions, subjectNameSchema, subjectsOptionsSchema } from "./names.js";
import { Subject } from "./subject.js";

export class SubjectStore {
  /** The prefix between `s:` and the subject's name (may be empty). */
  readonly prefix: string;
  readonly #client: RedgeClient;

  constructor(client: RedgeClient, options: SubjectsOptions = {}) {
    this.#client = client;
    this.prefix = parseInput(subjectsOptionsSchema, options, "options").prefix;
  }

  /**
   * The subject `name`, stored at `s:<prefix><name>` (behind the client's keyPrefix, if any).
   * Creating it sends nothing to Redis.
   */
  subject(name: string): Subject {
    const subject = parseInput(subjectNameSchema, name, "subject");
    return new Subject(this.#client, this.keyOf(subject), subject);
  }

  /** The Redis key of a subject, exactly as KRules builds it: `s:` + prefix + name. */
  keyOf(name: string): string {
    return this.#client.key(`s:${this.prefix}${parseInput(subjectNameSchema, name, "subject")}`);
  }
}

/**
 * A subject store over `client`.
 *
 * @example
 * const users = createSubjects(client, { prefix: "myapp:" });
 * const user = users.subject("user|42");
 * await user.set("visits", 0);
 * await user.set("visits", (n: number | undefined) => (n ?? 0) + 1);
 */
export function createSubjects(client: RedgeClient, options: SubjectsOptions = {}): SubjectStore {
  return new SubjectStore(client, options);
}
