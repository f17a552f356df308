// How installations are written out: masked or revealed views, the readable table, `show`'s lines, JSON and CSV.
import type { InstallationRecord } from '../store/types.js';

export const MASK = '••••';

/**
 * A webhook URL without its secret: `https://hooks.slack.com/services/T…/B…/••••` keeps the origin, the team and
 * the service ids and hides the last part, which alone lets anyone post. Anything else keeps its origin only.
 */
export function maskWebhookUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return MASK;
  }
  const services = /^(.*\/services\/[^/]+\/[^/]+\/)[^/]+\/?$/.exec(url.pathname);
  return services === null ? `${url.origin}/${MASK}` : `${url.origin}${services[1]}${MASK}`;
}

/**
 * One installation as printed: the stored record with its status, ISO dates, and its secrets (webhook URL, bot
 * token) masked unless revealed.
 */
export type InstallationView = Omit<InstallationRecord, 'installedAt' | 'revokedAt'> & {
  status: 'active' | 'revoked';
  installedAt: string;
  revokedAt: string | null;
};

export function toView(r: InstallationRecord, reveal: boolean): InstallationView {
  return {
    id: r.id,
    status: r.revokedAt === null ? 'active' : 'revoked',
    teamId: r.teamId,
    teamName: r.teamName,
    enterpriseId: r.enterpriseId,
    enterpriseName: r.enterpriseName,
    isEnterpriseInstall: r.isEnterpriseInstall,
    channelId: r.channelId,
    channelName: r.channelName,
    webhookUrl: reveal ? r.webhookUrl : maskWebhookUrl(r.webhookUrl),
    botToken: r.botToken === null ? null : reveal ? r.botToken : MASK,
    configurationUrl: r.configurationUrl,
    appId: r.appId,
    botUserId: r.botUserId,
    scopes: r.scopes,
    installerUserId: r.installerUserId,
    installedAt: r.installedAt.toISOString(),
    revokedAt: r.revokedAt?.toISOString() ?? null,
    revokedReason: r.revokedReason,
  };
}

// ---- text for a terminal ----

/**
 * What must never reach a terminal or a spreadsheet as it is: C0 controls (ESC starts escape sequences, BEL ends
 * OSC ones), DEL, C1 controls (U+009B is CSI on its own), the bidirectional marks, embeddings, overrides and
 * isolates (they make a name read as something else), and the Unicode line and paragraph separators.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function unicodeEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * JSON with every character that could drive a terminal escaped as `\uXXXX`. JSON.stringify escapes C0 controls
 * already, but writes DEL, the C1 controls (U+009B is a one-character CSI) and bidi overrides as they are. Those
 * can only occur inside strings here (the structure is ASCII), so escaping them keeps the JSON valid and equal.
 */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, unicodeEscape)}\n`;
}

/** One value as a line of NDJSON: compact, escaped as toJson escapes. */
export function toJsonLine(value: unknown): string {
  return `${JSON.stringify(value).replace(UNSAFE_IN_JSON, unicodeEscape)}\n`;
}

/**
 * Text from Slack or an operator made safe to print: control characters (a newline in a workspace name, an
 * escape sequence that would drive the terminal) and bidirectional overrides are shown as `\n`, `\u001b`, ….
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : unicodeEscape(c)));
}

/** An ISO date-time in UTC, to the second: `2026-01-31T12:00:00Z`. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function named(name: string | null, id: string | null): string {
  if (name === null) return id ?? '-';
  return id === null ? name : `${name} (${id})`;
}

export function workspaceOf(r: InstallationRecord): string {
  return r.isEnterpriseInstall ? `${named(r.enterpriseName, r.enterpriseId)} org-wide` : named(r.teamName, r.teamId);
}

export function statusOf(r: InstallationRecord): string {
  if (r.revokedAt === null) return 'active';
  return `revoked ${isoSeconds(r.revokedAt)}${r.revokedReason === null ? '' : ` (${r.revokedReason})`}`;
}

/** Left-aligned columns two spaces apart; the last column is not padded. */
export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows].map((row) => row.map(printable));
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return (
    all
      .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '))
      .join('\n') + '\n'
  );
}

export const TABLE_HEADER = ['id', 'workspace', 'channel', 'installed', 'status', 'webhook'];

/** One row of `list`'s table: id, workspace, channel, installed, status, webhook (and the bot token when revealed). */
export function tableCells(r: InstallationRecord, reveal: boolean): string[] {
  return [
    String(r.id),
    workspaceOf(r),
    named(r.channelName, r.channelId),
    isoSeconds(r.installedAt),
    statusOf(r),
    reveal ? r.webhookUrl : maskWebhookUrl(r.webhookUrl),
    ...(reveal ? [r.botToken ?? '-'] : []),
  ];
}

/** `list`'s table, all at once (the CLI streams it in blocks: see writers.ts). */
export function installationsTable(records: InstallationRecord[], reveal: boolean): string {
  return table(
    [...TABLE_HEADER, ...(reveal ? ['bot token'] : [])],
    records.map((r) => tableCells(r, reveal)),
  );
}

/** `show`'s output: every field, one per line. */
export function installationDetails(r: InstallationRecord, reveal: boolean): string {
  const view = toView(r, reveal);
  const orDash = (v: string | null): string => v ?? '-';
  const token = r.botToken === null ? '-' : reveal ? r.botToken : `${MASK} (hidden; --reveal shows it)`;
  const lines: Array<[string, string]> = [
    ['id', String(r.id)],
    ['status', statusOf(r)],
    ['workspace', named(r.teamName, r.teamId)],
    ['enterprise', named(r.enterpriseName, r.enterpriseId)],
    ['org-wide install', r.isEnterpriseInstall ? 'yes' : 'no'],
    ['channel', named(r.channelName, r.channelId)],
    ['webhook url', view.webhookUrl],
    ['configuration url', orDash(r.configurationUrl)],
    ['app id', orDash(r.appId)],
    ['bot user id', orDash(r.botUserId)],
    ['bot token', token],
    ['scopes', r.scopes.length === 0 ? '-' : r.scopes.join(', ')],
    ['installed by', orDash(r.installerUserId)],
    ['installed at', isoSeconds(r.installedAt)],
    ['revoked at', r.revokedAt === null ? '-' : isoSeconds(r.revokedAt)],
    ['revoked reason', orDash(r.revokedReason)],
  ];
  const width = Math.max(...lines.map(([label]) => label.length)) + 1;
  return lines.map(([label, value]) => `${`${label}:`.padEnd(width)} ${printable(value)}`).join('\n') + '\n';
}

// ---- CSV (RFC 4180) ----

const CSV_COLUMNS: Array<keyof InstallationView> = [
  'id',
  'status',
  'teamId',
  'teamName',
  'enterpriseId',
  'enterpriseName',
  'isEnterpriseInstall',
  'channelId',
  'channelName',
  'webhookUrl',
  'botToken',
  'configurationUrl',
  'appId',
  'botUserId',
  'scopes',
  'installerUserId',
  'installedAt',
  'revokedAt',
  'revokedReason',
];

/**
 * A field: a cell a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage
 * return: OWASP's list) gets a leading `'`, so it is shown as text and never run; control characters and bidi
 * overrides are made visible as for the terminal; quoted when it holds a comma or a quote, quotes doubled; null
 * is empty.
 */
export function csvField(value: string | number | boolean | readonly string[] | null | undefined): string {
  const raw = value === null || value === undefined ? '' : Array.isArray(value) ? value.join(' ') : String(value);
  const text = printable(/^[=+\-@\t\r]/.test(raw) ? `'${raw}` : raw);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The CSV header row, without its line ending. */
export function csvHeader(): string {
  return CSV_COLUMNS.map(csvField).join(',');
}

/** One installation as a CSV row, without its line ending; scopes are space-separated. */
export function csvRow(view: InstallationView): string {
  return CSV_COLUMNS.map((c) => csvField(view[c])).join(',');
}

/** A header row, then one row per installation, CRLF line endings. */
export function toCsv(views: InstallationView[]): string {
  return [csvHeader(), ...views.map(csvRow)].join('\r\n') + '\r\n';
}
