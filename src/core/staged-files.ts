/**
 * The host copies of files agents send (send_file stages them in outbox-files/<agent>/<id>/
 * so the outbox sends bytes the agent can no longer change). A copy is removed once its row
 * is delivered; a failed row keeps its copy, since `omniclaw outbox retry` sends it again.
 * A channel handed the path itself (the terminal chat) keeps it: that copy is the file the
 * person got. On start, copies no row needs any more (a crash between sending and removing,
 * a staging cut short) are swept; no run is staging a file then, so nothing is taken from
 * under one.
 */
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { Logger } from 'pino';
import type { OutboxEntry, OutboxStore } from '../store/outbox-store.js';
import type { ChannelDirectory } from '../domain/channel.js';

export interface StagedFilesDeps {
  /** outbox-files/ of the instance. */
  root: string;
  channels: ChannelDirectory;
  logger: Logger;
}

export class StagedFiles {
  constructor(private readonly deps: StagedFilesDeps) {}

  /** After a row was delivered: its staged copies go, unless the channel keeps them. */
  release(entry: Pick<OutboxEntry, 'chat' | 'files'>): void {
    if (!entry.files?.length || this.kept(entry.chat)) return;
    for (const file of entry.files) {
      const folder = this.stagingFolder(file);
      if (folder) this.remove(folder);
    }
  }

  /** Removes every staged folder no pending, failed or kept row refers to; returns how many. */
  sweep(store: Pick<OutboxStore, 'withFiles'>): number {
    const needed = new Set<string>();
    for (const row of store.withFiles()) {
      if (row.status === 'sent' && !this.kept(row.chat)) continue;
      for (const file of row.files ?? []) {
        const folder = this.stagingFolder(file);
        if (folder) needed.add(folder);
      }
    }
    let removed = 0;
    for (const agent of subfolders(this.deps.root))
      for (const staged of subfolders(join(this.deps.root, agent))) {
        const folder = join(this.deps.root, agent, staged);
        if (needed.has(folder)) continue;
        this.remove(folder);
        removed++;
      }
    if (removed) this.deps.logger.info({ removed }, 'removed staged files no outbox row needs');
    return removed;
  }

  private kept(chat: string): boolean {
    return this.deps.channels.forChat(chat)?.capabilities.keepsSentFiles === true;
  }

  /** outbox-files/<agent>/<id> of a staged file; undefined for a path staging did not make. */
  private stagingFolder(file: string): string | undefined {
    const parts = relative(this.deps.root, file).split(sep);
    if (parts.length !== 3 || parts.some((p) => p === '' || p === '..')) return undefined;
    return dirname(file);
  }

  private remove(folder: string): void {
    try {
      rmSync(folder, { recursive: true, force: true });
    } catch (error) {
      this.deps.logger.warn({ err: error, folder }, 'could not remove a staged file');
    }
  }
}

function subfolders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}
