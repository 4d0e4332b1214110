import type { RouteMount } from '../service';
import { apiMount } from './api';

/** Routers mounted after /healthz, /readyz and /metrics. */
export const routeMounts: RouteMount[] = [apiMount];
