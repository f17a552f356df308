/**
 * Which webhook URLs this server accepts from Slack's answer before storing and showing one. A URL that is
 * stored is shown on the landing page inside shell and TOML snippets, checked by the CLI and posted to, so a
 * hostile or broken answer (`…/abc'$(touch /tmp/x)'`, another host, plain http) must not get that far.
 */

/** Slack's own incoming-webhook hosts: commercial and GovSlack. */
export const SLACK_WEBHOOK_BASES = ['https://hooks.slack.com', 'https://hooks.slack-gov.com'] as const;

/** What follows `/services/`: ids and the secret, of URL-safe characters, separated by single slashes. */
const SERVICE_PATH = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*$/;

/**
 * Why `raw` is not an acceptable webhook URL, or undefined when it is: it must be exactly how a URL parser writes
 * it (no spaces, backslashes, user names, query or fragment), start with one of `bases` (an origin and an optional
 * path, such as `https://hooks.slack.com` or the emulator's `http://127.0.0.1:3000/_emulator`) followed by
 * `/services/`, and go on in URL-safe characters only. The reason names no part of the URL, so it can be logged.
 */
export function webhookUrlProblem(raw: string, bases: readonly string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (url.href !== raw) return 'not written as a URL parser writes it';
  if (url.username !== '' || url.password !== '') return 'carries a user name or password';
  if (url.search !== '' || url.hash !== '') return 'carries a query string or fragment';
  const base = bases.find((b) => raw.startsWith(`${b}/services/`));
  if (base === undefined) return 'not on a Slack webhook host or one of SLACK_WEBHOOK_ORIGINS';
  if (!SERVICE_PATH.test(raw.slice(base.length + '/services/'.length))) {
    return 'its path has characters other than A-Z a-z 0-9 - _ /';
  }
  return undefined;
}

/** A value inside single quotes for a POSIX shell: a `'` ends the quote, is written escaped, and reopens it. */
export function shellQuoted(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A TOML basic string: backslashes, quotes and control characters escaped. */
export function tomlQuoted(value: string): string {
  // eslint-disable-next-line no-control-regex -- escaping control characters is the point
  const escaped = value.replace(/[\\"\u0000-\u001f\u007f]/g, (c) =>
    c === '\\' || c === '"' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `"${escaped}"`;
}
