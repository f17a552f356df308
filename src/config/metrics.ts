// METRICS_*: whether /metrics is served, and how it is kept from the public.
import { booleanFlag, ConfigError, isLoopbackHost, trimmed, type Env } from './values.js';

/** How /metrics is kept from the public: a bearer token, a listener of its own, or both. */
export interface MetricsConfig {
  /** METRICS_TOKEN: required as `Authorization: Bearer <token>` when set. */
  token: string | undefined;
  /** METRICS_PORT: serve /metrics on a listener of its own (and not on PORT); METRICS_HOST is its address. */
  port: number | undefined;
  host: string;
}

/**
 * Metrics tell an attacker what the server is doing (install rates, failure reasons, memory): served on the
 * public listener only behind a bearer token, or on a listener of their own on loopback.
 */
export function metricsConfig(env: Env, port: number): { enabled: boolean; metrics: MetricsConfig } {
  const enabled = booleanFlag(env, 'METRICS_ENABLED');
  const token = trimmed(env, 'METRICS_TOKEN');
  const host = trimmed(env, 'METRICS_HOST') ?? '127.0.0.1';
  const portText = trimmed(env, 'METRICS_PORT');
  let metricsPort: number | undefined;
  if (portText !== undefined) {
    metricsPort = Number(portText);
    if (!/^\d+$/.test(portText) || metricsPort < 1 || metricsPort > 65535 || metricsPort === port) {
      throw new ConfigError(`METRICS_PORT must be a port from 1 to 65535 other than PORT, got "${portText}"`);
    }
  }
  if (!enabled) {
    const stray = ['METRICS_TOKEN', 'METRICS_PORT', 'METRICS_HOST'].find((name) => trimmed(env, name) !== undefined);
    if (stray !== undefined) throw new ConfigError(`${stray} is set but METRICS_ENABLED is not true`);
    return { enabled, metrics: { token: undefined, port: undefined, host } };
  }
  if (token !== undefined && !/^[\x21-\x7e]{16,}$/.test(token)) {
    throw new ConfigError('METRICS_TOKEN must be at least 16 printable characters, e.g. from `openssl rand -hex 24`');
  }
  if (metricsPort === undefined && token === undefined) {
    throw new ConfigError(
      'METRICS_ENABLED=true would serve /metrics to anyone who reaches the server: set METRICS_TOKEN (a bearer token Prometheus sends) or METRICS_PORT (a listener of its own on loopback)',
    );
  }
  if (metricsPort !== undefined && !isLoopbackHost(host) && token === undefined) {
    throw new ConfigError(
      `METRICS_HOST=${host} is not a loopback address: set METRICS_TOKEN too, or leave METRICS_HOST at 127.0.0.1`,
    );
  }
  return { enabled, metrics: { token, port: metricsPort, host } };
}
