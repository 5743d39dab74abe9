/** The instance directory: everything OmniClaw keeps, outside the project. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface InstancePaths {
  home: string;
  config: string;
  envFile: string;
  database: string;
  groups: string;
  globalMemory: string;
  /** Per-agent engine state (sessions, transcripts), separate from the agent folder. */
  sessions: string;
  logs: string;
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
    logs: join(home, 'logs'),
    socket: join(home, 'omniclaw.sock'),
    whatsappAuth: join(home, 'whatsapp-auth'),
  };
}

export const agentFolder = (paths: InstancePaths, agentId: string): string => join(paths.groups, agentId);
export const agentStateFolder = (paths: InstancePaths, agentId: string): string =>
  join(paths.sessions, agentId);
