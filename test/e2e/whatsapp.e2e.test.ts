/**
 * End to end: a WhatsApp message enters through baileys' own event buffer (the adapter's
 * injectable socket seam; the WhatsApp protocol itself cannot be faked) → OmniClaw → a real
 * agent run in bwrap (runner + Claude engine through the host gateway to the fake Anthropic
 * API) → the reply handed to the socket's sendMessage, recorded by the seam.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyMessageContent, WAMessage } from 'baileys';
import type { App } from '../../src/app.js';
import { WhatsAppChannel } from '../../src/channels/whatsapp/index.js';
import { fakeSocket, type FakeSocket } from '../fakes/fake-whatsapp.js';
import { silentLogger } from '../../src/observability/logger.js';
import { text, toolUse } from '../fakes/fake-anthropic.js';
import { createE2eWorld, startE2eApp, type E2eWorld } from './helpers.js';
import { until } from '../helpers/host.js';

const BOT = '15550001111@s.whatsapp.net';
const ALICE = '4915112345678@s.whatsapp.net';
const GROUP = '120363000000000001@g.us';

let ids = 0;
const waMessage = (chat: string, message: Record<string, unknown>, participant?: string): WAMessage =>
  ({
    key: { remoteJid: chat, fromMe: false, id: `IN${++ids}`, participant },
    message,
    messageTimestamp: Math.floor(Date.now() / 1000),
    pushName: 'Alice',
  }) as WAMessage;

const textOf = (content: AnyMessageContent): string => (content as { text?: string }).text ?? '';

describe('WhatsApp end to end', () => {
  let world: E2eWorld;
  let app: App;
  let socket: FakeSocket;

  beforeAll(async () => {
    world = await createE2eWorld(['main']);
    const whatsapp = new WhatsAppChannel({
      authDir: world.paths.whatsappAuth,
      logger: silentLogger(),
      inboxFor: () => undefined,
      limits: { typingRefreshMs: 200 },
      socketFactory: () => {
        socket = fakeSocket();
        // The adapter subscribes right after the factory returns; then WhatsApp "opens".
        setTimeout(() => socket.emit('connection.update', { connection: 'open' }), 20);
        return socket;
      },
    });
    app = await startE2eApp(
      world,
      [
        'channels: { local: { enabled: false } }',
        'agents:',
        '  - { id: main, main: true, sandbox: bwrap }',
        'routes:',
        `  - { chat: "${ALICE}", agent: main }`,
        `  - { chat: "${GROUP}", agent: main, requiresTrigger: true }`,
      ].join('\n'),
      { extraChannels: [whatsapp] },
    );
    expect(app.channelStates().whatsapp?.state).toBe('connected');
  });

  afterAll(async () => {
    await app?.stop();
    await world?.close();
  });

  it('answers a direct message, showing "typing" while the agent works', async () => {
    world.model.script(text('Hello from the agent, **in bold**.'));
    socket.emit('messages.upsert', {
      messages: [waMessage(ALICE, { conversation: 'hi omni' })],
      type: 'notify',
    });
    const reply = await until(() => socket.sent.find((s) => s.jid === ALICE), 90_000, 'the WhatsApp reply');
    expect(textOf(reply.content)).toBe('Hello from the agent, *in bold*.');
    expect(socket.presence).toContainEqual({ type: 'composing', jid: ALICE });
    expect(JSON.stringify(world.model.modelRequests()[0]?.messages)).toContain('hi omni');
  }, 150_000);

  it('in a group, answers a mention only; the agent sends through its tool and sees the real result', async () => {
    const before = world.model.modelRequests().length;
    socket.emit('messages.upsert', {
      messages: [waMessage(GROUP, { conversation: 'just talking' }, ALICE)],
      type: 'notify',
    });
    world.model.script(
      toolUse('mcp__omniclaw__send_message', { text: 'On it, one moment.' }),
      text('Here is the answer.'),
    );
    const mention = waMessage(
      GROUP,
      { extendedTextMessage: { text: '@15550001111 can you help?', contextInfo: { mentionedJid: [BOT] } } },
      ALICE,
    );
    socket.emit('messages.upsert', { messages: [mention], type: 'notify' });

    await until(
      () => socket.sent.some((s) => s.jid === GROUP && textOf(s.content) === 'Here is the answer.'),
      90_000,
      'the group answer',
    );
    const toGroup = socket.sent.filter((s) => s.jid === GROUP);
    expect(toGroup.map((s) => textOf(s.content))).toEqual(['On it, one moment.', 'Here is the answer.']);
    expect(toGroup[1]!.options?.quoted?.key.id).toBe(mention.key.id); // the answer quotes the message that asked

    const requests = world.model.modelRequests().slice(before);
    const toolResult = JSON.stringify(requests.at(-1)?.messages);
    expect(toolResult).toMatch(/Sent to 120363000000000001@g\.us \(message id SENT\d+\)/);
    expect(JSON.stringify(requests[0]?.messages)).toContain('just talking');

    // The bot's own messages come back from WhatsApp as echoes: they start nothing.
    const echoes = toGroup.map((s, i) => ({
      key: { remoteJid: GROUP, fromMe: true, id: `SENT-echo-${i}` },
      message: { conversation: textOf(s.content) },
      messageTimestamp: Math.floor(Date.now() / 1000),
    }));
    socket.emit('messages.upsert', { messages: echoes, type: 'notify' });
    await new Promise((resolve) => setTimeout(resolve, 500)); // a wrongly started run would ask the model by now
    expect(world.model.modelRequests().length).toBe(before + requests.length);
  }, 150_000);
});
