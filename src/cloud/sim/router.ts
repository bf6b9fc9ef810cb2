// A minimal method + path-pattern router used by each service module.
import { HttpError, type RequestContext } from './http.ts';

export type RouteHandler = (ctx: RequestContext, params: string[]) => Promise<void> | void;
export interface Route {
  method: string;
  /** The pattern as written (`/servers/:id`): the key API-call counters use. */
  template: string;
  pattern: RegExp;
  handler: RouteHandler;
}

export function route(method: string, pattern: string, handler: RouteHandler): Route {
  // ":id" segments match one path segment; the whole path must match.
  const source = '^' + pattern.replace(/:[a-zA-Z]+/g, '([^/]+)') + '/?$';
  return { method, template: pattern, pattern: new RegExp(source), handler };
}

/** Runs the route matching the request; `onMatch` hears of it first (the API-call counters). */
export async function dispatch(routes: Route[], ctx: RequestContext, onMatch?: (r: Route) => void): Promise<void> {
  let pathMatched = false;
  for (const r of routes) {
    const m = r.pattern.exec(ctx.path);
    if (!m) continue;
    pathMatched = true;
    if (r.method !== ctx.method && !(r.method === 'GET' && ctx.method === 'HEAD')) continue;
    onMatch?.(r);
    await r.handler(ctx, m.slice(1).map((p) => decodeURIComponent(p)));
    return;
  }
  if (pathMatched) throw new HttpError(405, 'The method is not allowed for the requested URL.');
  throw new HttpError(404, 'The resource could not be found.');
}
