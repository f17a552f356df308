import type { Workspace } from '../../src/emulator/workspaces.js';

/**
 * A workspace whose name is markup: Slack workspace names are free text, so every page that shows one must escape
 * it. Only the tests have it; the demo's workspaces are plausible companies.
 */
export const HOSTILE_WORKSPACE: Workspace = {
  id: 'T0SCRIPT01',
  name: '<script>alert("ws")</script> & Co',
  domain: 'script-co',
  userId: 'U0SCRIPT01',
  channels: [
    { id: 'C0SCRIPT01', name: 'general' },
    { id: 'C0SCRIPT02', name: 'alerts' },
    { id: 'C0SCRIPT03', name: 'deploys' },
  ],
};
