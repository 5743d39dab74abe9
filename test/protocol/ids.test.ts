import { describe, expect, it } from 'vitest';
import {
  assertId,
  assertRelativePath,
  idProblem,
  idSchema,
  relativePathProblem,
  type IdKind,
} from '../../src/protocol/ids.js';
import { agentFolder, instancePaths, serverFolder } from '../../src/config/paths.js';
import { agentIdSchema } from '../../src/config/schema.js';
import { agentIdArgSchema, topicSchema } from '../../src/protocol/agent-tools.js';

const cases: [IdKind, string, boolean][] = [
  ['agent', 'main', true],
  ['agent', 'research-2', true],
  ['agent', 'Main', false],
  ['agent', '../etc', false],
  ['agent', 'a/b', false],
  ['agent', '', false],
  ['agent', 'global', false],
  ['agent', 'servers', false],
  ['agent', 'x'.repeat(64), false],
  ['server', '123456789012345678', true],
  ['server', '..', false],
  ['server', 'a/b', false],
  ['topic', 'project-overview', true],
  ['topic', 'Notes.v2', true],
  ['topic', 'a..b', true],
  ['topic', '..', false],
  ['topic', '.env', false],
  ['topic', '../../etc/passwd', false],
  ['topic', '/etc/passwd', false],
  ['topic', 'a\\b', false],
  ['topic', 'a\u0000b', false],
  ['topic', 'x'.repeat(129), false],
  ['task', 't-123', true],
  ['task', 't.1', false],
  ['chat', 'tg:42', true],
  ['chat', '120363336345536173@g.us', true],
  ['chat', 'tg:..', false],
  ['chat', 'tg:4/2', false],
  ['message', '1700000000.000100', true],
  ['message', '../x', false],
  ['mcpServer', 'my-tools', true],
  ['mcpServer', 'a__b', false],
  ['fileName', 'report.md', true],
  ['fileName', 'my file.txt', true],
  ['fileName', '.', false],
  ['fileName', '..', false],
  ['fileName', 'a/b', false],
];

describe('the one id rule for every value that becomes a path or key', () => {
  it.each(cases)('%s %j is valid: %s', (kind, value, valid) => {
    expect(idProblem(kind, value) === undefined).toBe(valid);
    expect(idSchema(kind).safeParse(value).success).toBe(valid);
  });

  it('is the rule the config and the agent tools use', () => {
    for (const [kind, value, valid] of cases) {
      if (kind === 'agent') {
        expect(agentIdSchema.safeParse(value).success).toBe(valid);
        expect(agentIdArgSchema.safeParse(value).success).toBe(valid);
      }
      if (kind === 'topic') expect(topicSchema.safeParse(value).success).toBe(valid);
    }
  });

  it('stops a path helper handed an id that never went through a parser', () => {
    const paths = instancePaths('/srv/omniclaw');
    expect(agentFolder(paths, 'main')).toBe('/srv/omniclaw/groups/main');
    expect(() => agentFolder(paths, '../../etc')).toThrow(/agent folder: invalid agent id "..\/..\/etc"/);
    expect(() => serverFolder(paths, '..')).toThrow(/invalid server id/);
    expect(() => assertId('topic', 'a/b', 'read_context')).toThrow(
      /^read_context: invalid topic "a\/b": a topic is/,
    );
  });

  it.each([
    ['reports/q3.md', true],
    ['a/b/c.txt', true],
    ['/etc/passwd', false],
    ['../x', false],
    ['a/../../x', false],
    ['a//b', false],
    ['./a', false],
    ['a/', false],
    ['a/'.repeat(16) + 'b', false],
  ])('relative path %j is valid: %s', (path, valid) => {
    expect(relativePathProblem(path) === undefined).toBe(valid);
    if (!valid) expect(() => assertRelativePath(path)).toThrow(/no leading "\/"/);
  });
});
