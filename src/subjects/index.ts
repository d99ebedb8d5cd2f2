/**
 * Subjects: a property store per subject in the KRules layout (`s:<prefix><subject>`, fields
 * `p<name>` / `e<name>`, JSON text), with an atomic read-modify-write that needs no WATCH.
 */
export { ConflictError, SubjectValueError } from "./errors.js";
export type { PropOptions, SetOptions, SubjectsOptions } from "./schemas.js";
/** The input schemas (zod) every operation parses with, for apps that validate the same input. */
export * as subjectSchemas from "./schemas.js";
export { createSubjects, SubjectStore } from "./store.js";
export type { SetResult, StoreChanges, SubjectSnapshot, Updater } from "./subject.js";
export { Subject } from "./subject.js";
