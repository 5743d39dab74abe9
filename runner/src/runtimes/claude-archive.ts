/**
 * Before the engine compacts a conversation (summarises and drops the details), the full
 * transcript is archived as markdown in the agent's `conversations/` folder, so the agent
 * and its user can still look things up later.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

interface TranscriptEntry {
  type?: string;
  isMeta?: boolean;
  timestamp?: string;
  message?: { role?: string; content?: unknown };
}

/** Plain text of a message's content; tool calls become one-line notes, reminders are dropped. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content.startsWith('<system-reminder>') ? '' : content;
  if (!Array.isArray(content)) return '';
  return (content as { type?: string; text?: string; name?: string }[])
    .map((block) => {
      if (block.type === 'text' && block.text && !block.text.startsWith('<system-reminder>'))
        return block.text;
      if (block.type === 'tool_use' && block.name) return `_(used ${block.name})_`;
      return '';
    })
    .filter(Boolean)
    .join('\n\n');
}

/** The transcript (JSON lines) as markdown; unreadable lines are skipped. */
export function transcriptToMarkdown(jsonl: string, title: string): string {
  const parts = [`# ${title}`, ''];
  for (const line of jsonl.split('\n')) {
    if (!line.trim()) continue;
    let entry: TranscriptEntry;
    try {
      entry = JSON.parse(line) as TranscriptEntry;
    } catch {
      continue;
    }
    if (entry.isMeta || (entry.type !== 'user' && entry.type !== 'assistant')) continue;
    const text = textOf(entry.message?.content).trim();
    if (!text) continue;
    const who = entry.type === 'user' ? 'User' : 'Assistant';
    parts.push(`**${who}**${entry.timestamp ? ` (${entry.timestamp})` : ''}:`, '', text, '');
  }
  return parts.join('\n');
}

/** Writes conversations/<time>-<session>.md and returns its path. */
export async function archiveTranscript(
  transcriptPath: string,
  agentDir: string,
  sessionId: string,
  now = new Date(),
): Promise<string> {
  const jsonl = await readFile(transcriptPath, 'utf8');
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const dir = join(agentDir, 'conversations');
  await mkdir(dir, { recursive: true });
  const safeSession = sessionId.replace(/[^A-Za-z0-9-]/g, '').slice(0, 8) || 'session';
  const file = join(dir, `${stamp}-${safeSession}.md`);
  await writeFile(
    file,
    transcriptToMarkdown(jsonl, `Conversation archived ${now.toISOString()} (session ${sessionId})`),
  );
  return file;
}
