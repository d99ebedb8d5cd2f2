/**
 * Errors of the dict capability, in the redge error family.
 */
import { formatIssues, RedgeError } from "../core/errors.js";

/**
 * A value stored in a dict could not be read: its text is not JSON, or it does not match the
 * dict's schema (written by another program, an older schema, or a raw HSET). `key` names the
 * entry; `issues` says what is wrong, paths relative to the value.
 */
export class DictValueError extends RedgeError {
  readonly dict: string;
  readonly key: string;
  readonly issues: readonly { path: string; message: string }[];
  constructor(
    dict: string,
    key: string,
    issues: readonly { path: string; message: string }[],
    options?: { cause?: unknown },
  ) {
    super(
      "validation",
      `The stored value of key "${key}" in dict "${dict}" is invalid: ${formatIssues(issues)}`,
      options,
    );
    this.name = "DictValueError";
    this.dict = dict;
    this.key = key;
    this.issues = issues;
  }
}
