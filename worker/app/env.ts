/** The app's Hono env: the redge client and the caller's access level on the context. */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AuthVariables } from "./auth.js";
import type { RedgeVariables } from "./middleware.js";

export interface AppEnv {
  Variables: RedgeVariables & AuthVariables;
}

export type App = OpenAPIHono<AppEnv>;
