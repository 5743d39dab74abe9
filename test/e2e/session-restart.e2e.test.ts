/**
 * Sessions survive the host: a conversation held before a restart is resumed by the next
 * run after it. Real host (startApp) in bwrap, the real engine, the fake Anthropic API; the
 * proof is the first request of the new run, which carries the earlier conversation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { text } from '../fakes/fake-anthropic.js';
import { createE2eWorld, omniclaw, startE2eApp, type E2eWorld } from './helpers.js';
import { storeDatabase } from '../../src/store/index.js';

const AGENTS = ['agents:', '  - { id: main, main: true, sandbox: bwrap }'].join('\n');

describe('session resume across a host restart', () => {
  let world: E2eWorld;
  let app: App | undefined;

  beforeAll(async () => {
    world = await createE2eWorld(['main']);
  });

  afterAll(async () => {
    await app?.stop();
    await world?.close();
  });

  it('resumes the engine session of the last run after the host restarts', async () => {
    app = await startE2eApp(world, AGENTS);
    world.model.script(text('Noted: the word is PINEAPPLE.'));
    const first = await omniclaw(world, ['chat', '-m', 'remember the word PINEAPPLE'], 120_000);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain('Noted: the word is PINEAPPLE.');
    const session = app.store.sessions.get('main', 'claude');
    expect(session).toBeDefined();
    await app.stop();
    app = undefined;

    const before = world.model.modelRequests().length;
    app = await startE2eApp(world, AGENTS);
    world.model.script(text('The word was PINEAPPLE.'));
    const second = await omniclaw(world, ['chat', '-m', 'which word did I ask you to remember?'], 120_000);
    expect(second).toMatchObject({ code: 0 });
    expect(second.stdout).toContain('The word was PINEAPPLE.');

    const resumed = world.model.modelRequests()[before]!;
    const conversation = JSON.stringify(resumed.messages);
    expect(conversation).toContain('remember the word PINEAPPLE');
    expect(conversation).toContain('Noted: the word is PINEAPPLE.');
    expect(conversation).toContain('which word did I ask you to remember?');
    // A new sandbox and engine (a new run) took up the old session.
    const runs = storeDatabase(app.store).prepare("SELECT id FROM runs WHERE agent = 'main'").all();
    expect(runs).toHaveLength(2);
    expect(app.store.sessions.get('main', 'claude')).toMatchObject({ sessionId: session!.sessionId });
  }, 300_000);
});
