/** docs/configuration.md's key reference is generated from the schema: it fails when they drift. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BEGIN, configReference, withReference } from '../../src/config/schema-doc.js';

const DOC = join(import.meta.dirname, '..', '..', 'docs', 'configuration.md');

describe('docs/configuration.md', () => {
  it('holds the reference generated from the schema (run `npm run docs:config` when this fails)', () => {
    const doc = readFileSync(DOC, 'utf8');
    expect(doc).toContain(BEGIN);
    expect(withReference(doc)).toBe(doc);
  });

  it('names every top-level section and a few keys with their defaults', () => {
    const reference = configReference();
    for (const row of [
      '| `http.port` | integer 0–65535 | `7077` |',
      "| `instance.timezone` | string | this machine's time zone |",
      '| `agents[].id` | string | required |',
      '| `routes[].chat` | string | required |',
    ])
      expect(reference).toContain(row);
  });

  it('would notice a drift: a doc with a changed row is rewritten', () => {
    const doc = readFileSync(DOC, 'utf8');
    const drifted = doc.replace(
      '| `http.port` | integer 0–65535 | `7077` |',
      '| `http.port` | integer | `80` |',
    );
    expect(drifted).not.toBe(doc);
    expect(withReference(drifted)).toBe(doc);
  });
});
