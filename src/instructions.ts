import { Eta, type TemplateFunction } from 'eta';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from './config.js';
import { viewsDir } from './paths.js';

/** What an instructions template is given, as `it.webhookUrl` and so on. */
export interface InstructionsData {
  webhookUrl: string;
  channel: string;
  workspace: string;
  appName: string;
  /** The URL quoted for a POSIX shell (`'…'`), and as a TOML string (`"…"`). */
  shellUrl: string;
  tomlUrl: string;
}

export type RenderInstructions = (data: InstructionsData) => string;

const SAMPLE: InstructionsData = {
  webhookUrl: 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
  channel: '#general',
  workspace: 'Example',
  appName: 'Example',
  shellUrl: "'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX'",
  tomlUrl: '"https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"',
};

export const DEFAULT_INSTRUCTIONS = resolve(viewsDir, 'instructions.eta');

/**
 * The landing page's "How to use it" block: the shipped views/instructions.eta, or the operator's Eta file named by
 * LANDING_INSTRUCTIONS, read and compiled once at start-up. Values are HTML-escaped by `<%= %>` as in every view.
 * The template is tried once with sample values, so a mistake in it stops the start-up with a message rather than
 * breaking landing pages; should it still throw on real values, the shipped instructions are shown instead.
 */
export function loadInstructions(path: string | undefined, onError: (err: unknown) => void): RenderInstructions {
  const fallback = compileFile(DEFAULT_INSTRUCTIONS, 'the shipped instructions');
  if (path === undefined) return fallback;
  const custom = compileFile(resolve(path), 'LANDING_INSTRUCTIONS');
  return (data) => {
    try {
      return custom(data);
    } catch (err) {
      onError(err);
      return fallback(data);
    }
  };
}

function compileFile(path: string, name: string): RenderInstructions {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${name} must name a readable Eta file, could not read ${path}: ${(err as Error).message}`);
  }
  const eta = new Eta({ views: dirname(path), autoEscape: true, cache: true });
  let fn: TemplateFunction;
  try {
    fn = eta.compile(source);
    eta.render(fn, SAMPLE);
  } catch (err) {
    throw new ConfigError(`${name} (${path}) is not a template that renders: ${(err as Error).message}`);
  }
  return (data) => eta.render(fn, data);
}
