/** Which inbox a chat's files go to, and how a message for several agents reaches each (real files). */
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attachmentInboxes } from '../../src/core/attachment-inbox.js';
import type { AgentConfig, Route } from '../../src/config/normalise.js';
import { silentLogger } from '../../src/observability/logger.js';

const agent = (id: string): AgentConfig => ({ id, name: id, trigger: `@${id}` }) as AgentConfig;
const route = (chat: string, id: string): Route => ({ chat, agent: id, requiresTrigger: false }) as Route;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'omniclaw-inbox-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const inboxOf = (id: string): string => join(dir, 'inbox', id);
const table = {
  agents: [agent('main'), agent('helper'), agent('third')],
  routes: [route('tg:1', 'main'), route('tg:1', 'helper'), route('tg:2', 'helper'), route('tg:1', 'third')],
};
const inboxes = (): ReturnType<typeof attachmentInboxes> => attachmentInboxes(table, inboxOf, silentLogger());

function received(id: string, file: string, content: string): void {
  mkdirSync(inboxOf(id), { recursive: true, mode: 0o755 });
  writeFileSync(join(inboxOf(id), file), content, { mode: 0o644 });
}

describe('attachment inboxes', () => {
  it('saves a chat’s files in the inbox of the first agent the router gives for it', () => {
    expect(inboxes().forChat('tg:1')).toBe(inboxOf('main'));
    expect(inboxes().forChat('tg:2')).toBe(inboxOf('helper'));
    expect(inboxes().forChat('tg:3')).toBeUndefined();
  });

  it('links the files into every other routed agent’s inbox under the same name', () => {
    received('main', 'a.txt', 'hello');
    const out = inboxes().share([{ name: 'a.txt', file: 'a.txt', size: 5 }], ['main', 'helper', 'third']);
    expect(out).toEqual([{ name: 'a.txt', file: 'a.txt', size: 5 }]);
    for (const id of ['main', 'helper', 'third']) {
      expect(readFileSync(join(inboxOf(id), 'a.txt'), 'utf8')).toBe('hello');
      expect(lstatSync(join(inboxOf(id), 'a.txt')).mode & 0o777).toBe(0o644);
    }
  });

  it('renames the file everywhere when the name is taken in one inbox, leaving that file alone', () => {
    received('main', 'a.txt', 'new');
    received('third', 'a.txt', 'old');
    received('helper', 'a-1.txt', 'older');
    const [shared] = inboxes().share([{ name: 'a.txt', file: 'a.txt' }], ['main', 'helper', 'third']);
    expect(shared?.file).toBe('a-2.txt');
    for (const id of ['main', 'helper', 'third'])
      expect(readFileSync(join(inboxOf(id), 'a-2.txt'), 'utf8')).toBe('new');
    expect(readFileSync(join(inboxOf('third'), 'a.txt'), 'utf8')).toBe('old');
    expect(readFileSync(join(inboxOf('helper'), 'a-1.txt'), 'utf8')).toBe('older');
    expect(() => lstatSync(join(inboxOf('main'), 'a.txt'))).toThrow();
  });

  it('leaves a message for one agent, and files that did not arrive, as they are', () => {
    received('main', 'a.txt', 'x');
    const one = [{ name: 'a.txt', file: 'a.txt' }];
    expect(inboxes().share(one, ['main'])).toBe(one);
    const missing = [{ name: 'b.txt', notReceived: 'over the 20 MB limit' }];
    expect(inboxes().share(missing, ['main', 'helper'])).toEqual(missing);
  });

  it('never links a symlink that stands where the received file should be', () => {
    mkdirSync(inboxOf('main'), { recursive: true });
    writeFileSync(join(dir, 'secret'), 'host secret');
    symlinkSync(join(dir, 'secret'), join(inboxOf('main'), 'a.txt'));
    const [shared] = inboxes().share([{ name: 'a.txt', file: 'a.txt' }], ['main', 'helper']);
    expect(shared?.file).toBe('a.txt');
    expect(() => lstatSync(join(inboxOf('helper'), 'a.txt'))).toThrow();
  });
});
