import type { FastifyInstance } from 'fastify';
import { formBody, queryFields, type Fields } from '../body.js';
import { allowFormRedirect, errorPage, renderPage } from '../html.js';
import type { CodeChallenge } from '../pkce.js';
import {
  MAX_CHANNEL_NAME,
  MAX_CHANNELS_PER_WORKSPACE,
  type EmulatorApp,
  type SlackEmulator,
  type Workspace,
} from '../state.js';

/** Slack's consent page: GET shows the workspace picker or the channel step, POST answers Allow/Cancel. */
export default async function authorizeRoutes(app: FastifyInstance, opts: { emulator: SlackEmulator }): Promise<void> {
  const { emulator } = opts;

  app.get('/oauth/v2/authorize', async (request, reply) => {
    const checked = checkAuthorizeParams(emulator, queryFields(request.query));
    if ('error' in checked) return errorPage(reply, 400, checked.error, checked.message);
    const { params } = checked;
    if (!params.team) {
      const workspaces = emulator.workspaces().map((ws) => ({
        id: ws.id,
        name: ws.name,
        href: `?${new URLSearchParams([...params.carried, ['team', ws.id]]).toString()}`,
      }));
      return renderPage(reply, 200, 'workspaces', {
        title: 'Choose a workspace',
        appName: params.app.name,
        unknownTeam: params.teamParam !== undefined,
        workspaces,
      });
    }
    allowFormRedirect(reply, params.redirectTarget);
    return renderPage(reply, 200, 'consent', {
      title: `Install ${params.app.name}`,
      appName: params.app.name,
      team: { id: params.team.id, name: params.team.name },
      scopes: params.scopes,
      needsChannel: params.scopes.includes('incoming-webhook'),
      // An org admin of a Grid workspace may install an org-ready app on the whole org instead.
      org: params.team.enterpriseId === undefined ? undefined : emulator.enterprise(params.team.enterpriseId),
      channels: params.team.channels.filter((c) => !c.archived),
      hidden: [...params.carried, ['team', params.team.id]],
    });
  });

  app.post('/oauth/v2/authorize', async (request, reply) => {
    const fields = formBody(request);
    if (!fields) {
      return errorPage(
        reply,
        400,
        'invalid_form_data',
        'The consent form must be posted as application/x-www-form-urlencoded.',
      );
    }
    const checked = checkAuthorizeParams(emulator, fields);
    if ('error' in checked) return errorPage(reply, 400, checked.error, checked.message);
    const { params } = checked;
    if (!params.team)
      return errorPage(reply, 400, 'invalid_team', 'Choose a workspace first: the form names no known workspace.');

    const action = fields.get('action');
    if (action === 'cancel') {
      return reply.redirect(
        withQuery(params.redirectTarget, {
          error: 'access_denied',
          state: params.state,
          error_description: 'The user has denied access to the scope(s) requested by the client application.',
        }),
        302,
      );
    }
    if (action !== 'allow') return errorPage(reply, 400, 'invalid_action', 'Press Allow or Cancel.');

    let channel: { id: string } | { newName: string } | undefined;
    if (params.scopes.includes('incoming-webhook')) {
      const picked = pickChannel(params.team, fields);
      if ('error' in picked) return errorPage(reply, 400, picked.error, picked.message);
      channel = picked.channel;
    }
    const installOn = fields.get('install_on') ?? 'workspace';
    if (installOn !== 'workspace' && (installOn !== 'organization' || params.team.enterpriseId === undefined))
      return errorPage(reply, 400, 'invalid_install_on', 'Install on this workspace or, in an org, on the whole org.');
    const code = emulator.issueCode({
      clientId: params.app.clientId,
      redirectUri: params.redirectUri,
      teamId: params.team.id,
      channel,
      scopes: params.scopes,
      userScopes: params.userScopes,
      userId: params.team.userId,
      orgWide: installOn === 'organization',
      ...(params.codeChallenge && { codeChallenge: params.codeChallenge }),
    });
    return reply.redirect(withQuery(params.redirectTarget, { code, state: params.state }), 302);
  });
}

interface AuthorizeParams {
  app: EmulatorApp;
  scopes: string[];
  userScopes: string[];
  /** redirect_uri as sent, or undefined; the code remembers this for oauth.v2.access. */
  redirectUri: string | undefined;
  /** Where the browser goes back to: the redirect_uri sent, else the app's first Redirect URL. */
  redirectTarget: string;
  state: string | undefined;
  team: Workspace | undefined;
  teamParam: string | undefined;
  /** PKCE's code_challenge and code_challenge_method, checked only at oauth.v2.access (as on Slack). */
  codeChallenge: CodeChallenge | undefined;
  /** The parameters Slack uses, as sent, to carry through the picker links and the form; others are dropped. */
  carried: Array<[string, string]>;
}

type Checked = { params: AuthorizeParams } | { error: string; message: string };

const SCOPE = /^[a-z][a-z0-9_.:-]{0,99}$/;
const MAX_SCOPES = 50;
const MAX_URI = 2048;
const MAX_STATE = 4096;

/** Validates the authorize parameters like Slack, for both the GET and the POST. */
function checkAuthorizeParams(emulator: SlackEmulator, fields: Fields): Checked {
  const clientId = fields.get('client_id');
  const app = clientId ? emulator.app(clientId) : undefined;
  if (!app) return { error: 'invalid_client_id', message: 'invalid client_id: no app with this client_id exists.' };

  const scope = fields.get('scope');
  if (!scope || !scope.trim())
    return { error: 'missing_scope', message: 'The scope parameter is missing: nothing to ask permission for.' };
  const scopes = parseScopes(scope);
  if (!scopes)
    return { error: 'invalid_scope', message: 'The scope parameter is not a comma-separated list of valid scopes.' };
  const userScope = fields.get('user_scope');
  if (userScope && !parseScopes(userScope)) {
    return {
      error: 'invalid_scope',
      message: 'The user_scope parameter is not a comma-separated list of valid scopes.',
    };
  }

  const redirectUri = fields.get('redirect_uri');
  const redirectTarget = redirectUri ?? app.redirectUrls?.[0];
  if (redirectTarget === undefined)
    return { error: 'missing_redirect_uri', message: 'The redirect_uri parameter is missing.' };
  if (!isAllowedRedirect(redirectTarget, app)) {
    return { error: 'bad_redirect_uri', message: 'The redirect_uri is not a valid http(s) URL allowed for this app.' };
  }

  const state = fields.get('state');
  if (state !== undefined && state.length > MAX_STATE)
    return { error: 'invalid_state', message: 'The state parameter is too long.' };

  const challenge = fields.get('code_challenge');
  const method = fields.get('code_challenge_method');
  const codeChallenge = challenge ? { value: challenge, method: method ?? 'plain' } : undefined;

  const teamParam = fields.get('team') || undefined;
  const team = teamParam === undefined ? undefined : emulator.workspace(teamParam);

  const carried: Array<[string, string]> = [
    ['client_id', app.clientId],
    ['scope', scope],
  ];
  if (userScope !== undefined) carried.push(['user_scope', userScope]);
  if (redirectUri !== undefined) carried.push(['redirect_uri', redirectUri]);
  if (state !== undefined) carried.push(['state', state]);
  if (challenge !== undefined) carried.push(['code_challenge', challenge]);
  if (method !== undefined) carried.push(['code_challenge_method', method]);
  const userScopes = (userScope && parseScopes(userScope)) || [];
  return {
    params: { app, scopes, userScopes, redirectUri, redirectTarget, state, team, teamParam, codeChallenge, carried },
  };
}

function parseScopes(value: string): string[] | undefined {
  const scopes = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (scopes.length === 0 || scopes.length > MAX_SCOPES || !scopes.every((s) => SCOPE.test(s))) return undefined;
  return [...new Set(scopes)];
}

/** An absolute http(s) URL without '#' or credentials, under one of the app's Redirect URLs if it has any. */
function isAllowedRedirect(value: string, app: EmulatorApp): boolean {
  if (value.length > MAX_URI || value.includes('#')) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) return false;
  if (!app.redirectUrls?.length) return true;
  return app.redirectUrls.some((allowed) => {
    const base = new URL(allowed);
    const basePath = base.pathname.replace(/\/+$/, '');
    return (
      url.origin === base.origin &&
      (url.pathname === base.pathname || url.pathname === basePath || url.pathname.startsWith(`${basePath}/`))
    );
  });
}

type Picked = { channel: { id: string } | { newName: string } } | { error: string; message: string };

/** The channel step: a typed new channel name wins over the select, and must be a valid Slack channel name. */
function pickChannel(team: Workspace, fields: Fields): Picked {
  const newName = fields.get('new_channel')?.trim();
  if (newName) {
    if (newName.length > MAX_CHANNEL_NAME || !/^[a-z0-9_-]+$/.test(newName)) {
      return {
        error: 'invalid_name',
        message: `Channel names must be lowercase, without spaces or periods, and ${MAX_CHANNEL_NAME} characters or fewer: use only letters, numbers, hyphens and underscores.`,
      };
    }
    const existing = team.channels.find((c) => c.name === newName);
    if (existing?.archived)
      return { error: 'name_taken', message: 'A channel with this name exists but is archived; pick another name.' };
    if (!existing && team.channels.length >= MAX_CHANNELS_PER_WORKSPACE) {
      return { error: 'too_many_channels', message: 'This workspace has too many channels; pick an existing one.' };
    }
    return { channel: { newName } };
  }
  const id = fields.get('channel');
  if (!id || !team.channels.some((c) => c.id === id && !c.archived)) {
    return { error: 'invalid_channel', message: 'Pick a channel of this workspace, or type a name for a new one.' };
  }
  return { channel: { id } };
}

/** Appends parameters to a URL, keeping its own query; undefined values are left out. */
function withQuery(target: string, params: Record<string, string | undefined>): string {
  const url = new URL(target);
  for (const [key, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(key, value);
  return url.toString();
}
