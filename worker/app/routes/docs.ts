/** `GET /openapi.json` (OpenAPI 3.1, generated from the routes' zod schemas) and `GET /docs`. */
import { swaggerUI } from "@hono/swagger-ui";
import type { App } from "../env.js";

export const OPENAPI_INFO = {
  title: "redge",
  version: "0.1.0",
  description:
    "Cache, subject, priority-queue and stream endpoints over Redis. Every route but /health, " +
    "/openapi.json and /docs needs `Authorization: Bearer <token>`; read-only tokens may only read.",
};

export function docsRoutes(app: App): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
  });
  app.doc31("/openapi.json", { openapi: "3.1.0", info: OPENAPI_INFO });
  app.get("/docs", swaggerUI({ url: "openapi.json", title: "redge API" }));
}
