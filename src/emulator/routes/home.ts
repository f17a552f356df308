import type { FastifyInstance, FastifyReply } from 'fastify';
import { formBody } from '../body.js';
import { errorPage, renderPage } from '../html.js';
import { EmulatorError, type SlackEmulator } from '../state.js';

/**
 * The emulator's front page: every workspace and channel with the messages it received, newest first, plus buttons
 * that do what a Slack admin would (uninstall an app, remove a webhook, archive a channel). Plain forms only:
 * the demo's CSP allows no script, and form-action 'self' is enough since each action redirects back here (303).
 */
export default async function homeRoutes(app: FastifyInstance, opts: { emulator: SlackEmulator }): Promise<void> {
  const { emulator } = opts;
  const home = app.prefix || '/';

  app.get('/', async (_request, reply) => {
    const hooks = emulator.webhooks();
    const workspaces = emulator.workspaces().map((ws) => ({
      id: ws.id,
      name: ws.name,
      uninstallAction: `${app.prefix}/workspaces/${encodeURIComponent(ws.id)}/uninstall`,
      apps: emulator.installedApps(ws.id).map((installed) => ({ appId: installed.appId, name: installed.name })),
      // An org-wide install is removed from the whole org, as an org admin does in Slack's admin pages.
      org: ws.enterpriseId === undefined ? undefined : emulator.enterprise(ws.enterpriseId),
      orgApps:
        ws.enterpriseId === undefined
          ? []
          : emulator.orgInstalledApps(ws.enterpriseId).map((installed) => ({
              appId: installed.appId,
              name: installed.name,
              uninstallAction: `${app.prefix}/workspaces/${encodeURIComponent(ws.enterpriseId!)}/uninstall`,
            })),
      channels: ws.channels.map((channel) => ({
        id: channel.id,
        name: channel.name,
        archived: channel.archived === true,
        archiveAction: `${app.prefix}/channels/${encodeURIComponent(channel.id)}/archive`,
        // Only service ids and their config pages: webhook URLs hold secrets and never appear here.
        webhooks: hooks
          .filter((h) => h.channelId === channel.id)
          .map((h) => ({
            serviceId: h.serviceId,
            error: h.error,
            // A webhook its owner or an uninstall removed has nothing left to remove.
            removable: h.error !== 'no_service',
            href: `${app.prefix}/services/${h.serviceId}`,
            removeAction: `${app.prefix}/webhooks/${encodeURIComponent(h.serviceId)}/remove`,
          })),
        messages: emulator
          .messages(channel.id)
          .reverse()
          .map((m) => ({
            text: m.text,
            receivedAt: m.receivedAt.toISOString(),
            blocks: Array.isArray(m.payload.blocks) ? m.payload.blocks.length : 0,
            attachments: Array.isArray(m.payload.attachments) ? m.payload.attachments.length : 0,
          })),
      })),
    }));
    const activity = emulator.activity().map((entry) => ({ ...entry, at: entry.at.toISOString() }));
    return renderPage(reply, 200, 'home', { title: 'Workspaces', workspaces, activity });
  });

  app.post('/workspaces/:teamId/uninstall', async (request, reply) => {
    const { teamId } = request.params as { teamId: string };
    const fields = formBody(request);
    if (!fields) {
      return errorPage(
        reply,
        400,
        'invalid_form_data',
        'The form must be posted as application/x-www-form-urlencoded.',
      );
    }
    const appId = fields.get('app_id');
    if (!appId) return errorPage(reply, 400, 'invalid_app_id', 'The form names no app to uninstall.');
    try {
      await emulator.uninstall(teamId, appId);
    } catch (error) {
      return failed(reply, error);
    }
    return reply.redirect(home, 303);
  });

  app.post('/webhooks/:serviceId/remove', async (request, reply) => {
    const { serviceId } = request.params as { serviceId: string };
    if (!emulator.removeWebhook(serviceId))
      return errorPage(reply, 404, 'unknown_webhook', 'No incoming webhook has this id.');
    return reply.redirect(home, 303);
  });

  app.post('/channels/:channelId/archive', async (request, reply) => {
    const { channelId } = request.params as { channelId: string };
    if (!emulator.archiveChannel(channelId))
      return errorPage(reply, 404, 'unknown_channel', 'No workspace has a channel with this id.');
    return reply.redirect(home, 303);
  });
}

/** An action's EmulatorError as an error page: 404 for what does not exist, 400 for the rest. */
function failed(reply: FastifyReply, error: unknown): Promise<FastifyReply> {
  if (!(error instanceof EmulatorError)) throw error;
  return errorPage(reply, error.status, error.code, error.message);
}
