/** ShareBook: who needs approval (the delegate_task rule), where files land, what is refused. */
import { describe, expect, it } from 'vitest';
import { ShareBook, type SharePair } from '../../src/delegation/share-book.js';
import { openStore } from '../../src/store/index.js';

/** A book on a fresh in-memory store (the book keeps its requests there). */
const newBook = (pairs: SharePair[]): ShareBook => new ShareBook(openStore(':memory:').shares, pairs, 60_000);

const research = { id: 'research', main: false };
const request = (extra: Partial<Parameters<ShareBook['admit']>[0]> = {}) => ({
  from: research,
  other: 'main',
  chat: 'mem:research-chat',
  description: 'the report',
  push: ['reports/q3.md'],
  pull: [],
  ...extra,
});

describe('ShareBook', () => {
  it('an unpaired agent needs approval; files land in shared/<source>/', () => {
    const admission = newBook([]).admit(request({ pull: ['notes/a.txt'] }));
    expect(admission).toMatchObject({ ok: true, needsApproval: true });
    if (!admission.ok) return;
    expect(admission.share.id).toMatch(/^s-[0-9a-f]{6}$/);
    expect(admission.share.moves).toEqual([
      {
        direction: 'push',
        source: 'research',
        target: 'main',
        files: [{ path: 'reports/q3.md', lands: 'shared/research/q3.md' }],
      },
      {
        direction: 'pull',
        source: 'main',
        target: 'research',
        files: [{ path: 'notes/a.txt', lands: 'shared/main/a.txt' }],
      },
    ]);
  });

  it('a pair allows only its direction; main never needs approval', () => {
    const book = newBook([{ from: 'research', to: 'main', direction: 'push' }]);
    expect(book.admit(request())).toMatchObject({ ok: true, needsApproval: false });
    expect(book.admit(request({ push: [], pull: ['x.md'] }))).toMatchObject({
      ok: true,
      needsApproval: true,
    });
    expect(book.admit(request({ from: { id: 'main', main: true }, other: 'research' }))).toMatchObject({
      ok: true,
      needsApproval: false,
    });
  });

  it('refuses "..", absolute paths, no files, itself and two files of one name', () => {
    const book = newBook([]);
    const reason = (extra: Partial<Parameters<ShareBook['admit']>[0]>) => {
      const a = book.admit(request(extra));
      return a.ok ? 'admitted' : a.reason;
    };
    expect(reason({ push: ['../main/secret.md'] })).toMatch(/invalid path/);
    expect(reason({ push: ['/etc/passwd'] })).toMatch(/invalid path/);
    expect(reason({ push: [] })).toMatch(/name files/);
    expect(reason({ other: 'research' })).toMatch(/yourself/);
    expect(reason({ push: ['a/x.md', 'b/x.md'] })).toMatch(/two files are named "x.md"/);
  });

  it('an ended share cannot end again (expiry racing an approval)', () => {
    const book = newBook([]);
    const a = book.admit(request());
    if (!a.ok) throw new Error(a.reason);
    expect(book.end(a.share, 'expired')).toBe(true);
    expect(book.end(a.share, 'copied')).toBe(false);
    expect(book.get(a.share.id)?.status).toBe('expired');
  });
});
