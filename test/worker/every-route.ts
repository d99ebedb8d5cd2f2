/**
 * Every route of the app, in one runtime: the table of authenticated routes the app's own tests
 * use (test/helpers/app.ts, ROUTES, checked there to cover every route the app serves) plus the
 * public ones, each sent once with a valid request, in the table's order (so the stream receive
 * finds the messages the publish before it wrote). Runtime tests compare the answers with the
 * same sequence through the app on Node: a route that works on Node but not in workerd or the
 * edge VM (a 400 from a realm-sensitive check, a 500) shows up as a different status.
 */
import { names, ROUTES, readBody } from "../helpers/app.js";
import type { Send } from "./four-calls.js";

export interface RouteAnswer {
  route: string;
  status: number;
  json: unknown;
}

const PUBLIC_ROUTES = ["/health", "/openapi.json", "/docs"];

export async function everyRoute(send: Send, token: string, tag: string): Promise<RouteAnswer[]> {
  const n = names(tag);
  const answers: RouteAnswer[] = [];
  for (const route of ROUTES) {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (route.body !== undefined) headers["content-type"] = "application/json";
    const response = await send(route.path(n), {
      method: route.method,
      headers,
      ...(route.body === undefined ? {} : { body: JSON.stringify(route.body) }),
    });
    answers.push({ route: route.route, status: response.status, json: await readJson(response) });
  }
  for (const path of PUBLIC_ROUTES) {
    const response = await send(path, { method: "GET" });
    answers.push({ route: `GET ${path}`, status: response.status, json: await readJson(response) });
  }
  return answers;
}

/** JSON when it is; an event stream's first event (the stream then cancelled) as text. */
async function readJson(response: Response): Promise<unknown> {
  const text = await readBody(response);
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 200);
  }
}

/** The answer of one route (by its table name). */
export function answerOf(answers: readonly RouteAnswer[], route: string): RouteAnswer {
  const found = answers.find((a) => a.route === route);
  if (!found) throw new Error(`no answer for ${route}`);
  return found;
}
