// What `npm run bench` compares: this server, Bolt and the floor, each started alike against the same emulator.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { BENCH_APPS, BENCH_INSTALL_SECRET, type TargetName } from './shared.js';

const ENCRYPTION_KEY = randomBytes(32).toString('base64');

export interface Context {
  dir: string;
  port: number;
  publicUrl: string;
  emulatorUrl: string;
}

export interface Target {
  name: TargetName;
  label: string;
  script: string;
  installPath: string;
  /** A cheap GET for start-up timing: any answer counts. */
  probePath: string;
  env: (ctx: Context) => Record<string, string>;
}

function slackEnv(name: TargetName, ctx: Context): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: String(ctx.port),
    PUBLIC_URL: ctx.publicUrl,
    SLACK_CLIENT_ID: BENCH_APPS[name].clientId,
    SLACK_CLIENT_SECRET: BENCH_APPS[name].clientSecret,
    DATABASE_PATH: join(ctx.dir, 'installations.db'),
  };
}

/** Bolt and the floor: bench/*-server.js, started alike, with the emulator's address to use as Slack. */
function comparison(name: 'bolt' | 'floor', label: string, script: string): Target {
  return {
    name,
    label,
    script,
    installPath: '/slack/install',
    probePath: '/healthz', // a 404, answered at once
    env: (ctx) => ({ ...slackEnv(name, ctx), EMULATOR_URL: ctx.emulatorUrl }),
  };
}

export const TARGETS: Target[] = [
  {
    name: 'server',
    label: 'this server',
    script: 'dist/server.js',
    installPath: `/slack/install/${BENCH_INSTALL_SECRET}`,
    probePath: '/healthz',
    env: (ctx) => ({
      ...slackEnv('server', ctx),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SLACK_AUTHORIZE_URL: `${ctx.emulatorUrl}/oauth/v2/authorize`,
      SLACK_API_URL: `${ctx.emulatorUrl}/api/`,
      SLACK_WEBHOOK_ORIGINS: ctx.emulatorUrl,
      ENCRYPTION_KEY,
      INSTALL_SECRET: BENCH_INSTALL_SECRET,
    }),
  },
  comparison('bolt', 'Bolt', 'dist/bench/bolt-server.js'),
  comparison('floor', 'floor', 'dist/bench/floor-server.js'),
];
