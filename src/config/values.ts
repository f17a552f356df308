// Reading one environment variable: trimmed text, URLs, numbers and flags, each refused with a message that names it.

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Record<string, string | undefined>;

/** The variable's text without surrounding spaces; undefined when unset or blank. */
export function trimmed(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === '' ? undefined : value;
}

export function httpUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must start with http:// or https://, got "${value}"`);
  }
  if (url.search || url.hash) throw new ConfigError(`${name} must not contain a query string or a #fragment`);
  return url;
}

export function withoutTrailingSlash(url: URL): string {
  return url.href.replace(/\/+$/, '');
}

export function positiveInt(env: Env, name: string, fallback: number): number {
  const text = trimmed(env, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new ConfigError(`${name} must be a whole number greater than 0, got "${text}"`);
  }
  return Number(text);
}

export function booleanFlag(env: Env, name: string): boolean {
  const text = trimmed(env, name) ?? 'false';
  if (text !== 'true' && text !== 'false') throw new ConfigError(`${name} must be true or false, got "${text}"`);
  return text === 'true';
}

/** Whether a URL's host is this machine, where plain http never crosses a network. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** In production, URLs that carry cookies, codes or the client secret must be https unless they stay on loopback. */
export function requireHttps(name: string, href: string): void {
  const url = new URL(href);
  if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(
      `${name} must be an https:// URL when NODE_ENV=production (plain http is allowed only on loopback), got "${href}"`,
    );
  }
}
