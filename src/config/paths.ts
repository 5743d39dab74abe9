/** The instance directory: everything OmniClaw keeps, outside the project. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { assertId } from '../protocol/ids.js';

export interface InstancePaths {
  home: string;
  config: string;
  envFile: string;
  database: string;
  groups: string;
  globalMemory: string;
  /** Per-agent engine state (sessions, transcripts), separate from the agent folder. */
  sessions: string;
  /**
   * Received files, one folder per agent. Host-owned and outside every folder an agent can
   * write: the sandbox sees its own folder read-only at /workspace/inbox.
   */
  inbox: string;
  /** Host copies of files agents send (send_file), one folder per agent, until delivered. */
  outboxFiles: string;
  logs: string;
  /** Database copies taken before an upgrade migrates it, and `omniclaw backup` archives. */
  backups: string;
  socket: string;
  whatsappAuth: string;
}

export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.OMNICLAW_HOME?.trim();
  if (raw) return resolve(raw.startsWith('~/') ? join(homedir(), raw.slice(2)) : raw);
  return join(homedir(), '.omniclaw');
}

export function instancePaths(home: string): InstancePaths {
  return {
    home,
    config: join(home, 'omniclaw.yaml'),
    envFile: join(home, '.env'),
    database: join(home, 'omniclaw.db'),
    groups: join(home, 'groups'),
    globalMemory: join(home, 'groups', 'global'),
    sessions: join(home, 'sessions'),
    inbox: join(home, 'inbox'),
    outboxFiles: join(home, 'outbox-files'),
    logs: join(home, 'logs'),
    backups: join(home, 'backups'),
    socket: join(home, 'omniclaw.sock'),
    whatsappAuth: join(home, 'whatsapp-auth'),
  };
}

// Every folder named after an id checks the id first (protocol/ids.ts): a value that slipped
// past its parser (a database row, a bug) still cannot climb out of the instance directory.
export const agentFolder = (paths: InstancePaths, agentId: string): string =>
  join(paths.groups, assertId('agent', agentId, 'agent folder'));
export const agentStateFolder = (paths: InstancePaths, agentId: string): string =>
  join(paths.sessions, assertId('agent', agentId, 'agent state folder'));
/** Where the host stores the files chats send to an agent ($OMNICLAW_HOME/inbox/<agent>/). */
export const agentInbox = (paths: InstancePaths, agentId: string): string =>
  join(paths.inbox, assertId('agent', agentId, 'agent inbox'));
/** The shared folder of a Discord server's agents (groups/servers/<id>). */
export const serverFolder = (paths: InstancePaths, serverId: string): string =>
  join(paths.groups, 'servers', assertId('server', serverId, 'server folder'));
