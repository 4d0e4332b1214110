import type { RouteMount } from '../service';
import { webhookRoutes } from '../inbox/http';
import { apiMount } from './api';

/** Routers mounted after /healthz, /readyz and /metrics. */
export const routeMounts: RouteMount[] = [webhookRoutes, apiMount];
