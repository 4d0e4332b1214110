import type { RouteMount } from '../service';

/** Routers mounted after /healthz, /readyz and /metrics. */
export const routeMounts: RouteMount[] = [];
