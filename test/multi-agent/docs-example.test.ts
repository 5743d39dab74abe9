/** The worked example in docs/multi-agent.md is a config that loads, with the pair it describes. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';

describe('docs/multi-agent.md', () => {
  it('has a worked example that loads as omniclaw.yaml', () => {
    const md = readFileSync(fileURLToPath(new URL('../../docs/multi-agent.md', import.meta.url)), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(md)![1]!;
    const config = parseConfigText(yaml, 'multi-agent.md', { env: {} });
    expect(config.multiAgent.messages).toEqual([{ from: 'research', to: 'main' }]);
    expect(config.multiAgent.delegate).toEqual([{ from: 'research', to: 'main' }]);
    expect(config.routes).toContainEqual(
      expect.objectContaining({ chat: 'tg:-2002', agent: 'research', requiresTrigger: false }),
    );
  });
});
