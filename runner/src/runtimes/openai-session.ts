/**
 * Conversation persistence for the openai runtime: one JSON file per session in the agent's
 * state folder, written atomically (temp file + rename) after every model step, so a crash
 * loses at most the step in flight and `start.sessionId` resumes like the other runtimes.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChatMessage } from './openai-messages.js';

const FORMAT = 1;
/** Session ids are ours (UUIDs); anything else is refused before it touches a path. */
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

export class SessionInvalidError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionInvalidError';
  }
}

interface SessionFile {
  format: number;
  id: string;
  model: string;
  createdAt: number;
  updatedAt: number;
  messages: ChatMessage[];
}

export class OpenAISessionStore {
  private readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'openai-sessions');
  }

  newId(): string {
    return randomUUID();
  }

  /** Loads a session's messages; throws SessionInvalidError if it is unknown or unreadable. */
  async load(id: string): Promise<ChatMessage[]> {
    if (!SESSION_ID.test(id))
      throw new SessionInvalidError(`session id ${JSON.stringify(id.slice(0, 120))} is not valid`);
    let raw: string;
    try {
      raw = await readFile(this.path(id), 'utf8');
    } catch {
      throw new SessionInvalidError(`session ${id} does not exist in ${this.dir}`);
    }
    let parsed: Partial<SessionFile>;
    try {
      parsed = JSON.parse(raw) as Partial<SessionFile>;
    } catch {
      throw new SessionInvalidError(`session ${id} is corrupt (not JSON)`);
    }
    if (parsed.format !== FORMAT || !Array.isArray(parsed.messages) || !parsed.messages.every(isMessage)) {
      throw new SessionInvalidError(`session ${id} is corrupt or from an unknown format`);
    }
    return parsed.messages;
  }

  async save(id: string, model: string, messages: ChatMessage[], createdAt: number): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file: SessionFile = { format: FORMAT, id, model, createdAt, updatedAt: Date.now(), messages };
    const temp = `${this.path(id)}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(file), 'utf8');
    await rename(temp, this.path(id));
  }

  private path(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}

function isMessage(value: unknown): value is ChatMessage {
  if (typeof value !== 'object' || value === null) return false;
  const role = (value as { role?: unknown }).role;
  return role === 'user' || role === 'assistant' || role === 'tool' || role === 'system';
}
