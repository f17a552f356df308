import { randomId } from './random.js';

export interface Channel {
  id: string;
  name: string;
  /** Set once archived: its webhooks answer 410 channel_is_archived and consent no longer offers it. */
  archived?: boolean;
}

export interface Workspace {
  id: string;
  name: string;
  domain: string;
  /** The user who is "signed in" and approves installs. */
  userId: string;
  channels: Channel[];
  /** Set for a workspace of an Enterprise Grid org: its envelopes and oauth.v2.access answers name the org. */
  enterpriseId?: string;
}

/** An Enterprise Grid organization; an org-ready app can be installed on all of it at once (org-wide). */
export interface Enterprise {
  id: string;
  name: string;
}

const SEED_ENTERPRISES: Enterprise[] = [{ id: 'E0INITECH1', name: 'Initech' }];

/** What consent chose: an existing channel id, or the name of a channel to create. */
export type ChannelChoice = { id: string } | { newName: string };

export const MAX_CHANNEL_NAME = 80;
// A cap keeps a public demo from growing memory without bound.
export const MAX_CHANNELS_PER_WORKSPACE = 50;

const SEED_WORKSPACES: Workspace[] = [
  {
    id: 'T0ACME0001',
    name: 'Acme Corp',
    domain: 'acme-corp',
    userId: 'U0ACME0001',
    channels: [
      { id: 'C0ACME0001', name: 'general' },
      { id: 'C0ACME0002', name: 'alerts' },
      { id: 'C0ACME0003', name: 'deploys' },
      { id: 'C0ACME0004', name: 'random' },
    ],
  },
  {
    id: 'T0GLOBEX01',
    name: 'Globex',
    domain: 'globex',
    userId: 'U0GLOBEX01',
    channels: [
      { id: 'C0GLOBEX01', name: 'general' },
      { id: 'C0GLOBEX02', name: 'alerts' },
      { id: 'C0GLOBEX03', name: 'deploys' },
    ],
  },
  {
    id: 'T0NORTHW01',
    name: 'Northwind Traders',
    domain: 'northwind',
    userId: 'U0NORTHW01',
    channels: [
      { id: 'C0NORTHW01', name: 'general' },
      { id: 'C0NORTHW02', name: 'ops-alerts' },
      { id: 'C0NORTHW03', name: 'data-pipelines' },
    ],
  },
  {
    // A workspace of an Enterprise Grid org, where an app can also be installed org-wide.
    id: 'T0INITECH1',
    name: 'Initech Sales',
    domain: 'initech-sales',
    userId: 'W0INITECH1',
    enterpriseId: 'E0INITECH1',
    channels: [
      { id: 'C0INITECH1', name: 'general' },
      { id: 'C0INITECH2', name: 'alerts' },
    ],
  },
];

/**
 * The seeded workspaces (plausible companies, for the demo) and any a test adds (names that stress escaping live
 * in the tests); consent can create channels and the home page archive them.
 */
export class Workspaces {
  private readonly teams = new Map<string, Workspace>();
  private readonly enterprises = new Map<string, Enterprise>();

  constructor(extra: Workspace[] = []) {
    for (const ws of [...SEED_WORKSPACES, ...extra]) this.teams.set(ws.id, structuredClone(ws));
    for (const org of SEED_ENTERPRISES) this.enterprises.set(org.id, { ...org });
  }

  enterprise(enterpriseId: string): Enterprise | undefined {
    const org = this.enterprises.get(enterpriseId);
    return org && { ...org };
  }

  /** Copies, so callers cannot change the emulator's state. */
  list(): Workspace[] {
    return [...this.teams.values()].map((ws) => structuredClone(ws));
  }

  get(teamId: string): Workspace | undefined {
    const ws = this.teams.get(teamId);
    return ws && structuredClone(ws);
  }

  has(teamId: string): boolean {
    return this.teams.has(teamId);
  }

  /** The channel consent chose, created if it was typed in; undefined when archived, unknown or over the cap. */
  resolveChannel(teamId: string, choice: ChannelChoice): Channel | undefined {
    const team = this.teams.get(teamId);
    if (!team) return undefined;
    if ('id' in choice) return team.channels.find((c) => c.id === choice.id && !c.archived);
    // A name that already exists means that channel, unless archived.
    const existing = team.channels.find((c) => c.name === choice.newName);
    if (existing) return existing.archived ? undefined : { ...existing };
    if (team.channels.length >= MAX_CHANNELS_PER_WORKSPACE) return undefined;
    const channel = { id: randomId('C'), name: choice.newName };
    team.channels.push(channel);
    return { ...channel };
  }

  /** Archives a channel of any workspace; undefined for an unknown channel. */
  archive(channelId: string): { team: Workspace; channel: Channel } | undefined {
    for (const team of this.teams.values()) {
      const channel = team.channels.find((c) => c.id === channelId);
      if (!channel) continue;
      channel.archived = true;
      return { team: structuredClone(team), channel: { ...channel } };
    }
    return undefined;
  }

  isArchived(teamId: string, channelId: string): boolean {
    return this.teams.get(teamId)?.channels.find((c) => c.id === channelId)?.archived === true;
  }
}
