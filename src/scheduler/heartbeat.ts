/**
 * A heartbeat's prompt, read from the agent's CLAUDE.md when it is due: the `## Heartbeat`
 * and `## Goals` sections. No such section (or only whitespace in it) means nothing to do:
 * the run is skipped before any sandbox starts or model is called.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** The body of each `## <name>` section (up to the next heading of level 1 or 2). */
export function memorySections(markdown: string, names: readonly string[]): Map<string, string> {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const found = new Map<string, string>();
  let current: string | undefined;
  let body: string[] = [];
  const close = (): void => {
    if (current !== undefined && body.join('\n').trim()) found.set(current, body.join('\n').trim());
  };
  let fence = false;
  for (const line of markdown.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const heading = fence ? null : /^(#{1,2})\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      close();
      const name = heading[2]!.toLowerCase();
      current = heading[1] === '##' && wanted.has(name) ? name : undefined;
      body = [];
      continue;
    }
    if (current !== undefined) body.push(line);
  }
  close();
  return found;
}

export function heartbeatPromptFrom(markdown: string): string | undefined {
  const sections = memorySections(markdown, ['Heartbeat', 'Goals']);
  if (!sections.size) return undefined;
  const parts = [
    'This is your periodic heartbeat. Check on the following; act only if something needs doing. ' +
      'If there is nothing to report, send nothing.',
  ];
  const heartbeat = sections.get('heartbeat');
  const goals = sections.get('goals');
  if (heartbeat) parts.push(`## Heartbeat\n${heartbeat}`);
  if (goals) parts.push(`## Goals\n${goals}`);
  return parts.join('\n\n');
}

/** CLAUDE.md is memory, not a document store: a bigger file is read only this far. */
export const MAX_MEMORY_BYTES = 256 * 1024;

/**
 * Reads the agent's CLAUDE.md. The agent can write that folder, so the host opens the file
 * without following a symlink (O_NOFOLLOW) and only if it is a regular file: otherwise an
 * agent could point it at a host file (the instance .env) and have it read out to the model.
 * A missing, unreadable or non-regular file is the same as one without the sections.
 */
export function readAgentMemory(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const buffer = Buffer.alloc(MAX_MEMORY_BYTES);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n)
      n = readSync(fd, buffer, length, buffer.length - length, null);
    return buffer.subarray(0, length).toString('utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

export function heartbeatPromptFile(path: string): string | undefined {
  const text = readAgentMemory(path);
  return text === undefined ? undefined : heartbeatPromptFrom(text);
}
