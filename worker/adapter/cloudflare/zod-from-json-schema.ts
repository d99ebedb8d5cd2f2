/**
 * Stands in for zod's `fromJSONSchema` module in the Workers bundle (see `[alias]` in
 * wrangler.toml), for the reason zod-locales.ts gives: `extendZodWithOpenApi(z)` keeps all of `z`,
 * and the JSON Schema → zod converter (~12 KB minified, ~3.5 KB gzipped) is never called: the app
 * builds its schemas in code and only converts zod to JSON Schema, for the OpenAPI document.
 */
export function fromJSONSchema(): never {
  throw new Error("z.fromJSONSchema is left out of the redge Workers bundle");
}
