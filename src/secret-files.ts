import { readFileSync } from 'node:fs';

/**
 * The variables that hold secrets. Each may instead name a file in `NAME_FILE` (Docker and Kubernetes secrets are
 * mounted as files), so the secret need not sit in the process environment, where `docker inspect`, crash
 * reports and child processes see it.
 */
export const SECRET_VARIABLES = [
  'ENCRYPTION_KEY',
  'ENCRYPTION_KEYS_OLD',
  'SLACK_CLIENT_SECRET',
  'SLACK_SIGNING_SECRET',
  'INSTALL_SECRET',
  'METRICS_TOKEN',
  'DATABASE_URL',
] as const;

type Env = Record<string, string | undefined>;

/**
 * `env` with every `NAME_FILE` replaced by `NAME` holding the file's contents, less one trailing newline (what
 * `echo` and most editors add). Setting both `NAME` and `NAME_FILE` is refused: which one wins would be a guess.
 * `fail` makes the caller's error (ConfigError), so that messages name the variable as every other one does.
 */
export function withSecretFiles(env: Env, fail: (message: string) => Error): Env {
  let resolved: Env | undefined;
  for (const name of SECRET_VARIABLES) {
    const fileName = `${name}_FILE`;
    const path = env[fileName]?.trim();
    if (path === undefined || path === '') continue;
    if (env[name] !== undefined && env[name].trim() !== '') {
      throw fail(`${name} and ${fileName} are both set: set one of them`);
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw fail(`${fileName} names a file that cannot be read (${code}): ${path}`);
    }
    const value = text.replace(/\r?\n$/, '');
    if (value.trim() === '') throw fail(`${fileName} names an empty file: ${path}`);
    resolved ??= { ...env };
    resolved[name] = value;
    delete resolved[fileName];
  }
  return resolved ?? env;
}
