import type { FastifyInstance } from 'fastify';
import { renderPage } from '../html.js';
import type { SlackEmulator } from '../state.js';

/** The emulator's front page: every workspace and channel with the messages it received, newest first. */
export default async function homeRoutes(app: FastifyInstance, opts: { emulator: SlackEmulator }): Promise<void> {
  const { emulator } = opts;

  app.get('/', async (_request, reply) => {
    const hooks = emulator.webhooks();
    const workspaces = emulator.workspaces().map((ws) => ({
      id: ws.id,
      name: ws.name,
      channels: ws.channels.map((channel) => ({
        id: channel.id,
        name: channel.name,
        // Only service ids and their config pages: webhook URLs hold secrets and never appear here.
        webhooks: hooks
          .filter((h) => h.channelId === channel.id)
          .map((h) => ({ serviceId: h.serviceId, active: h.active, href: `${app.prefix}/services/${h.serviceId}` })),
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
    return renderPage(reply, 200, 'home', { title: 'Workspaces', workspaces });
  });
}
