/**
 * A store of subjects under one prefix, as KRules' `create_redis_storage(client, redis_prefix)`.
 *
 * KRules writes `s:{redis_prefix}{subject}`, and a KRules service is usually configured with
 * `REDIS_KEY_PREFIX`. redge's client-wide `keyPrefix` (from `REDIS_KEY_PREFIX`, the config or the
 * client) therefore goes where KRules puts its prefix, after `s:`, not in front of the key as for
 * the other capabilities: `s:<keyPrefix><prefix><subject>`. A Python service and a redge service
 * configured with the same prefix share subjects whichever way the prefix is given.
 */
import type { CoreClient } from "../core/client.js";
import { parseInput } from "../core/validation.js";
import { subjectKey } from "./keys.js";
import { type SubjectsOptions, subjectNameSchema, subjectsOptionsSchema } from "./schemas.js";
import { Subject } from "./subject.js";

export class SubjectStore {
  /**
   * Everything between `s:` and a subject's name: the client's `keyPrefix` followed by this
   * store's own `prefix` option (either may be empty).
   */
  readonly prefix: string;
  readonly #client: CoreClient;

  constructor(client: CoreClient, options: SubjectsOptions = {}) {
    this.#client = client;
    this.prefix = client.keyPrefix + parseInput(subjectsOptionsSchema, options, "options").prefix;
  }

  /**
   * The subject `name`, stored at `s:<keyPrefix><prefix><name>`. Creating it sends nothing to
   * Redis.
   */
  subject(name: string): Subject {
    const subject = parseInput(subjectNameSchema, name, "subject");
    return new Subject(this.#client, this.keyOf(subject), subject);
  }

  /**
   * The Redis key of a subject, exactly as KRules builds it: `s:` + prefix + name, the client's
   * keyPrefix being part of the prefix (KRules' `REDIS_KEY_PREFIX`).
   */
  keyOf(name: string): string {
    return subjectKey(this.prefix, parseInput(subjectNameSchema, name, "subject"));
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
export function createSubjects(client: CoreClient, options: SubjectsOptions = {}): SubjectStore {
  return new SubjectStore(client, options);
}
