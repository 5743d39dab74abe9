/**
 * Where a chat's received files go. A channel downloads a message's files before it knows
 * which agents the message is for, into the inbox of the first agent routed to the chat
 * (asked of the router, `routesOfChat`, like everything else that routes). After routing, a
 * message for several agents has its files hard-linked into every other routed agent's
 * inbox as well, under one name that is free in all of them, so each agent reads the same
 * `/workspace/inbox/<file>` the stored message names — never another file of that name.
 * Inboxes are host-owned and mounted read-only, so a link cannot be redirected by an agent;
 * a file in another file system is copied instead.
 */
import { constants, copyFileSync, chmodSync, linkSync, lstatSync, unlinkSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Attachment } from '../domain/channel.js';
import { ensureHostFolder, HOST_FILE_MODE } from '../sandbox/host-folder.js';
import { agentInbox } from '../config/paths.js';
import type { HostContext } from './host-context.js';
import { routesOfChat, type RoutingTable } from './router.js';

const MAX_SUFFIX = 1000;

export interface AttachmentInboxes {
  /** The folder a channel saves a chat's files into; none for a chat no agent is routed to. */
  forChat(chat: string): string | undefined;
  /**
   * The message's files made readable by every agent in `agents` (the first one holds them
   * already): returns the attachments with the names they now have in every inbox.
   */
  share(attachments: Attachment[], agents: string[]): Attachment[];
}

/** The host's inboxes: $OMNICLAW_HOME/inbox/<agent>/, routed by the config's routes. */
export function hostAttachmentInboxes(host: HostContext): AttachmentInboxes {
  return attachmentInboxes(host.config, (agent) => agentInbox(host.paths, agent), host.logger);
}

export function attachmentInboxes(
  table: RoutingTable,
  inboxOf: (agent: string) => string,
  logger: Logger,
): AttachmentInboxes {
  return {
    forChat: (chat) => {
      const first = routesOfChat(table, chat)[0];
      return first ? inboxOf(first.agent.id) : undefined;
    },
    share: (attachments, agents) => {
      if (agents.length < 2) return attachments;
      const [holder, ...others] = agents.map(inboxOf);
      return attachments.map((attachment) => {
        if (attachment.file === undefined) return attachment;
        try {
          return { ...attachment, file: linkEverywhere(holder!, attachment.file, others) };
        } catch (error) {
          logger.error(
            { file: attachment.file, agents, err: (error as Error).message },
            'a received file could not be given to every agent routed to the chat; only the first one has it',
          );
          return attachment;
        }
      });
    },
  };
}

/** Links `file` of `holder` into each of `others` under a name free in all; returns the name. */
function linkEverywhere(holder: string, file: string, others: string[]): string {
  const source = join(holder, file);
  if (!lstatSync(source).isFile()) throw new Error(`${source} is not a plain file`);
  for (const folder of others) ensureHostFolder(folder);
  const ext = extname(file);
  const stem = ext ? file.slice(0, -ext.length) : file;
  for (let n = 0; n < MAX_SUFFIX; n++) {
    const name = n === 0 ? file : `${stem}-${n}${ext}`;
    const made: string[] = [];
    // A new name must be free in the holder's inbox too: the file moves to it there.
    const targets = [...(n === 0 ? [] : [holder]), ...others].map((folder) => join(folder, name));
    if (targets.every((target) => place(source, target, made))) {
      if (n > 0) unlinkSync(source);
      return name;
    }
    for (const target of made) unlinkSync(target);
  }
  throw new Error(`no name for ${file} is free in every inbox after ${MAX_SUFFIX} tries`);
}

/** Creates `target` as the same file as `source`; false when the name is taken. */
function place(source: string, target: string, made: string[]): boolean {
  try {
    linkSync(source, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EXDEV' && code !== 'EPERM') throw error;
    try {
      copyFileSync(source, target, constants.COPYFILE_EXCL);
    } catch (copyError) {
      if ((copyError as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw copyError;
    }
    chmodSync(target, HOST_FILE_MODE);
  }
  made.push(target);
  return true;
}
