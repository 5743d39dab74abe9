/** `npm run docs:config`: rewrites the generated reference in docs/configuration.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withReference } from './schema-doc.js';

const file = fileURLToPath(new URL('../../docs/configuration.md', import.meta.url));
writeFileSync(file, withReference(readFileSync(file, 'utf8')));
process.stdout.write(`wrote ${file}\n`);
