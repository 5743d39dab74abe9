/**
 * The agent's memory as instructions: CLAUDE.md and AGENTS.md from the global, server and
 * agent folders, in that order (general to specific), for the runtimes whose engine does not
 * read the hierarchy itself (openai, codex). Read fresh for every turn, so what the agent
 * writes to its memory applies to its next turn.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Workspace } from '../../../src/protocol/runner-protocol.js';

const MEMORY_FILE_NAMES = ['CLAUDE.md', 'AGENTS.md'];
/** Per file; a runaway memory file must not eat the model's context. */
export const MEMORY_FILE_MAX_BYTES = 64 * 1024;

export interface MemoryFile {
  scope: 'global' | 'server' | 'agent';
  path: string;
  text: string;
}

export async function loadMemoryFiles(workspace: Workspace): Promise<MemoryFile[]> {
  const scopes: [MemoryFile['scope'], string | undefined][] = [
    ['global', workspace.globalDir],
    ['server', workspace.serverDir],
    ['agent', workspace.agentDir],
  ];
  const files: MemoryFile[] = [];
  for (const [scope, dir] of scopes) {
    if (!dir) continue;
    for (const name of MEMORY_FILE_NAMES) {
      const path = join(dir, name);
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text === undefined || text.trim() === '') continue;
      const bytes = Buffer.byteLength(text);
      const kept =
        bytes > MEMORY_FILE_MAX_BYTES
          ? `${Buffer.from(text).subarray(0, MEMORY_FILE_MAX_BYTES).toString('utf8')}\n… [${path} cut at ${MEMORY_FILE_MAX_BYTES} bytes]`
          : text;
      files.push({ scope, path, text: kept });
    }
  }
  return files;
}

export function formatMemory(files: MemoryFile[]): string {
  if (files.length === 0) return '';
  const sections = files.map(
    (file) => `<memory scope="${file.scope}" path="${file.path}">\n${file.text.trim()}\n</memory>`,
  );
  return `# Memory\nThese files are your persistent memory (general first, most specific last; later ones win).\n\n${sections.join('\n\n')}`;
}
