/**
 * Shared context topics: Markdown files an agent reads with read_context.
 * - Shared topics: `groups/global/context/<topic>.md`, written by the main agent (global
 *   memory is read-write for it, read-only for everyone else). Topic "project-overview".
 * - Published topics: `groups/<agent>/context/<name>.md`, written by that agent in its own
 *   folder, which no other sandbox sees. Topic "<agent>.<name>", e.g. "research.findings";
 *   its owner is <agent>.
 * Every agent may read every topic: sharing is what the folder is for, and anything that
 * must stay private stays outside `context/`. Nothing else is reachable: the name follows
 * the topic rule (ids.ts), the file is opened inside its folder without following any
 * symlink (folder-files.ts), and it is bounded in size.
 */
import { agentFolder, type InstancePaths } from '../config/paths.js';
import { isValidId } from '../protocol/ids.js';
import { FolderFileError, listFilesInside, readInside } from './folder-files.js';

/** The folder of topics inside global memory and inside each agent's folder. */
export const CONTEXT_DIR = 'context';
/** Where the main agent writes shared topics, as its sandbox sees global memory. */
export const SANDBOX_CONTEXT_DIR = '/workspace/global/context';
/** Largest topic read back to an agent; the tool result limit is 64 KiB of text. */
export const MAX_TOPIC_BYTES = 60 * 1024;
/** At most this many topics are listed (the rest are counted). */
export const MAX_LISTED_TOPICS = 500;

export interface TopicInfo {
  topic: string;
  /** "main" for shared topics, else the publishing agent's id. */
  owner: string;
}

interface Located {
  root: string;
  relative: string;
  owner: string;
}

export class ContextTopics {
  constructor(
    private readonly deps: {
      paths: InstancePaths;
      /** Configured agent ids and which one is main (read per call: config may reload). */
      agents: () => readonly { id: string; main: boolean }[];
    },
  ) {}

  /** Where a topic lives, or undefined for a name that is not a topic. */
  locate(topic: string): Located | undefined {
    if (!isValidId('topic', topic)) return undefined;
    const dot = topic.indexOf('.');
    const prefix = dot > 0 ? topic.slice(0, dot) : undefined;
    const publisher = this.deps.agents().find((a) => a.id === prefix && !a.main);
    if (publisher) {
      const name = topic.slice(dot + 1);
      if (!isValidId('topic', name)) return undefined;
      return {
        root: agentFolder(this.deps.paths, publisher.id),
        relative: `${CONTEXT_DIR}/${name}.md`,
        owner: publisher.id,
      };
    }
    const main = this.deps.agents().find((a) => a.main);
    return {
      root: this.deps.paths.globalMemory,
      relative: `${CONTEXT_DIR}/${topic}.md`,
      owner: main?.id ?? 'main',
    };
  }

  /** The text of a topic. Throws FolderFileError (missing, refused, too big). */
  read(topic: string): { text: string; owner: string } {
    const where = this.locate(topic);
    if (!where) throw new FolderFileError(`"${topic}" is not a topic name`, 'refused');
    const text = readInside(where.root, where.relative, MAX_TOPIC_BYTES).toString('utf8');
    return { text, owner: where.owner };
  }

  exists(topic: string): boolean {
    try {
      this.read(topic);
      return true;
    } catch {
      return false;
    }
  }

  /** Every readable topic name, shared ones first; a folder swapped for a symlink lists nothing. */
  list(): { topics: TopicInfo[]; more: number } {
    const found: TopicInfo[] = [];
    const agents = this.deps.agents();
    const main = agents.find((a) => a.main)?.id ?? 'main';
    const publishers = new Set(agents.filter((a) => !a.main).map((a) => a.id));
    const names = (root: string): string[] => {
      try {
        return listFilesInside(root, CONTEXT_DIR)
          .filter((f) => f.endsWith('.md'))
          .map((f) => f.slice(0, -3))
          .filter((t) => isValidId('topic', t))
          .sort();
      } catch {
        return [];
      }
    };
    for (const topic of names(this.deps.paths.globalMemory)) {
      // "<agent>.x" names that agent's published topic, so a shared file of that name is unreachable.
      if (!publishers.has(topic.split('.')[0]!)) found.push({ topic, owner: main });
    }
    for (const id of publishers) {
      for (const name of names(agentFolder(this.deps.paths, id)))
        found.push({ topic: `${id}.${name}`, owner: id });
    }
    return { topics: found.slice(0, MAX_LISTED_TOPICS), more: Math.max(0, found.length - MAX_LISTED_TOPICS) };
  }
}
