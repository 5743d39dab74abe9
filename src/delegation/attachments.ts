/**
 * Files attached to a delegate_task (issue 11): A's files, copied into B's folder as
 * shared/<A>/<name> before B's run starts — after the operator's approval when the
 * delegation needs one. The copy is share_request's (share-copy.ts: opened inside A's
 * folder one component at a time, never a symlink, no hard links, regular files only,
 * the whole set within `multiAgent.sharing.maxBytes`, written through writeInside), so
 * the isolation suite's share_request cases cover this write path too.
 *
 * Checked when the tool is called (a bad path, a symlink or too many bytes is the agent's
 * tool error, and nothing is asked or copied) and read again at the copy, since A may
 * change its files in between: the copy checks for itself.
 */
import { formatBytes } from '../domain/file-size.js';
import type { Delegation, ShareFile, ShareMove } from '../domain/multi-agent.js';
import { planFiles } from './share-book.js';
import { copyShare, measureShare } from './share-copy.js';

export interface Attachments {
  /** Where `paths` (in `from`'s folder) land in `to`'s; throws with the reason for the agent. */
  plan(from: string, to: string, paths: readonly string[]): ShareFile[];
  /** Copies a delegation's files into its target's folder; the landed paths. Throws ShareCopyError. */
  copy(d: Delegation): string[];
  /** A line for the operator's approval request: the files and their size. */
  approvalLine(d: Delegation): string;
  /** What the delegated agent reads about its files: where they are. */
  note(d: Delegation): string;
}

export function delegationAttachments(folderOf: (agent: string) => string, maxBytes: number): Attachments {
  const moves = (d: Pick<Delegation, 'from' | 'to' | 'files'>): ShareMove[] => [
    { direction: 'push', source: d.from, target: d.to, files: d.files },
  ];
  return {
    plan: (from, to, paths) => {
      const files = planFiles(from, paths, 'files');
      measureShare(moves({ from, to, files }), folderOf, maxBytes);
      return files;
    },
    copy: (d) => (d.files.length ? copyShare(moves(d), folderOf, maxBytes) : []),
    approvalLine: (d) => {
      if (!d.files.length) return '';
      let size: string;
      try {
        size = formatBytes(measureShare(moves(d), folderOf, maxBytes));
      } catch {
        size = 'refused now, so the copy will fail';
      }
      const paths = d.files.map((f) => f.path).join(', ');
      return `\nWith files from "${d.from}" (into "${d.to}"'s shared/${d.from}/, ${size}): ${paths}`;
    },
    note: (d) =>
      d.files.length
        ? `\n\n"${d.from}" attached files, copied into your folder (/workspace/agent) before this run: ${d.files.map((f) => f.lands).join(', ')}`
        : '',
  };
}
