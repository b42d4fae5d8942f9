/**
 * `--metrics ADDR` of the egress, the broker and the volunteer: serves `/metrics` (and `/healthz`) on a
 * listener of its own, apart from the public one, off unless given; a bare `:PORT` means 127.0.0.1
 * (docs/deploy.md, "Metrics and health").
 */
import type { Server } from 'node:http';
import { listen } from '../shared/listen.js';
import type { MetricsRegistry } from '../shared/metrics.js';
import { createMetricsServer, type Health } from '../shared/metrics-server.js';
import { hostPort, type Option, StartupError, type Values } from './args.js';

export const METRICS_OPTION: Option = {
  name: 'metrics',
  type: 'string',
  arg: 'ADDR',
  defaultText: 'off',
  help: 'serve Prometheus /metrics (and /healthz) on this separate address, e.g. 127.0.0.1:9701 or :9701 (loopback); keep it private',
};

/** Starts the metrics listener if `--metrics` was given; logs where. The caller closes it. */
export async function startMetrics(
  v: Values,
  registry: MetricsRegistry,
  log: (line: string) => void,
  health?: Health,
): Promise<Server | undefined> {
  if (v.metrics === undefined) return undefined;
  const { host, port } = hostPort(v, 'metrics', '');
  const server = createMetricsServer(registry, health);
  let bound: number;
  try {
    bound = await listen(server, port, host);
  } catch (e) {
    throw new StartupError(`cannot listen for metrics on ${host}:${port}: ${(e as Error).message}`);
  }
  const shown = host.includes(':') ? `[${host}]` : host;
  log(`metrics on http://${shown}:${bound}/metrics`);
  return server;
}
