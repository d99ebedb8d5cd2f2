/** Params and bodies of the subject routes, built from the subjects capability's own rules. */
import * as z from "zod";
import { finiteNumberSchema } from "../../../src/core/validation.js";
import { subjectSchemas } from "../../../src/subjects/index.js";
import { jsonValueSchema } from "./common.js";

const { propNameSchema, subjectNameSchema } = subjectSchemas;

export const subjectParamsSchema = z.object({ subject: subjectNameSchema });
export const propParamsSchema = z.object({ subject: subjectNameSchema, prop: propNameSchema });

const propsSchema = z.record(propNameSchema, jsonValueSchema);

export const patchSubjectSchema = z.strictObject({
  set: propsSchema.optional().meta({ description: "Default properties to write" }),
  setExt: propsSchema.optional().meta({ description: "Extended properties to write" }),
  delete: z.array(propNameSchema).optional().meta({ description: "Default properties to remove" }),
  deleteExt: z
    .array(propNameSchema)
    .optional()
    .meta({ description: "Extended properties to remove" }),
});
export type PatchSubject = z.output<typeof patchSubjectSchema>;

export const incrSchema = z.strictObject({
  by: finiteNumberSchema.default(1).meta({ description: "Added to the property (default 1)" }),
  extended: z.boolean().optional().meta({ description: "An extended property (KRules `e…`)" }),
});

export const snapshotSchema = z.object({
  props: z.record(z.string(), z.unknown()),
  ext: z.record(z.string(), z.unknown()),
});
export const incrResultSchema = z.object({
  value: z.number().meta({ description: "The value now stored" }),
  old: z.number().meta({ description: "The value before (0 when the property was absent)" }),
});
export const flushedSchema = z.object({ deleted: z.boolean() });
