/** `GET /health`: one PING; 503 (with Retry-After) when Redis does not answer. No token needed. */
import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import type { App } from "../env.js";
import { RETRY_AFTER_SECONDS } from "../errors.js";
import { json } from "../schemas/common.js";

const healthSchema = z.object({
  ok: z.boolean(),
  latencyMs: z.number().meta({ description: "Round trip of one PING, in ms" }),
});

const route = createRoute({
  method: "get",
  path: "/health",
  tags: ["health"],
  summary: "Whether Redis answers",
  responses: {
    200: json(healthSchema, "Redis answered"),
    503: json(healthSchema, "Redis did not answer (Retry-After set)"),
  },
});

export function healthRoutes(app: App): void {
  app.openapi(route, async (c) => {
    const report = await c.get("redge").health();
    const latencyMs = Math.round(report.latencyMs * 100) / 100;
    // The failure's reason stays out: this route is public, and a reason can name hosts.
    if (report.ok) return c.json({ ok: true, latencyMs }, 200);
    return c.json({ ok: false, latencyMs }, 503, { "Retry-After": String(RETRY_AFTER_SECONDS) });
  });
}
