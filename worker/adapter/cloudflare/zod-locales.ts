/**
 * Stands in for zod's locale index in the Workers bundle (see `[alias]` in wrangler.toml).
 *
 * @hono/zod-openapi passes zod's whole `z` namespace to `extendZodWithOpenApi(z)`, so no bundler
 * can drop any part of it, and `z.locales` is ~260 KB of minified error-message translations the
 * app never uses: it answers in English, the default zod installs by itself. Leaving them out
 * keeps the bundle within its size target. `z.locales.en` keeps working.
 */
export { default as en } from "zod/v4/locales/en.js";
