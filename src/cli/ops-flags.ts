/**
 * Flags for running behind a reverse proxy and being watched (docs/deploy.md): `--metrics ADDR` of the
 * egress, the broker and the volunteer serves `/metrics` (and `/healthz`) on a listener of its own, apart
 * from the public one, off unless given, a bare `:PORT` meaning 127.0.0.1; `--proxy-address NET` of the
 * egress and the broker names where the trusted proxies connect from; `--ca FILE` of the client and the
 * volunteer trusts a deployment's own CA.
 */
import type { Server } from 'node:http';
import { readCaFile } from '../shared/ca-fetch.js';
import { AddressSet } from '../shared/ip.js';
import { listen } from '../shared/listen.js';
import type { MetricsRegistry } from '../shared/metrics.js';
import { createMetricsServer, type Health } from '../shared/metrics-server.js';
import { hostPort, list, type Option, StartupError, str, UsageError, type Values } from './args.js';

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

export const PROXY_ADDRESS_OPTION: Option = {
  name: 'proxy-address',
  type: 'list',
  arg: 'NET',
  defaultText: 'any peer',
  help: 'where the trusted proxies connect from (address or addr/prefix); repeat; X-Forwarded-For is then read only on their connections',
};

/** `--proxy-address` entries, checked; they need `--trusted-proxies` N >= 1. */
export function proxyAddresses(v: Values, trustedProxies: number): string[] {
  const entries = list(v, 'proxy-address');
  if (entries.length === 0) return entries;
  if (trustedProxies < 1) throw new UsageError('--proxy-address needs --trusted-proxies 1 (or more)');
  try {
    new AddressSet(entries);
  } catch (e) {
    throw new UsageError(`--proxy-address: ${(e as Error).message}`);
  }
  return entries;
}

export const CA_OPTION: Option = {
  name: 'ca',
  type: 'string',
  arg: 'FILE',
  defaultText: "the system's CAs",
  help: 'trust only these CA certificates (PEM) for https: and wss: URLs, e.g. a deployment with its own CA',
};

/** The PEM of `--ca FILE`, or undefined; an unreadable file or one without a certificate is a StartupError. */
export async function caOption(v: Values): Promise<string | undefined> {
  if (v.ca === undefined) return undefined;
  const file = str(v, 'ca');
  try {
    return await readCaFile(file);
  } catch (e) {
    throw new StartupError(`--ca: ${(e as Error).message}`);
  }
}
