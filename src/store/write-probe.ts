/**
 * The database health probe's write: a 64 KB row committed, then its payload freed, so a
 * disk that is full (or files made read-only) fails it the way a real message insert would.
 */
import type { Database } from 'better-sqlite3';

const PROBE_BYTES = 64 * 1024;

export function writeProbe(db: Database, now: () => number): () => void {
  const write = db.transaction(() => {
    db.prepare(
      'INSERT INTO health_probe (id, at, payload) VALUES (1, ?, zeroblob(?)) ON CONFLICT (id) DO UPDATE SET at = excluded.at, payload = excluded.payload',
    ).run(now(), PROBE_BYTES);
  });
  return () => {
    write();
    db.prepare('UPDATE health_probe SET payload = NULL WHERE id = 1').run();
  };
}
