/** The pure WhatsApp rules: what to do on close, backoff, outgoing mentions. */
import { describe, expect, it } from 'vitest';
import { DisconnectReason } from 'baileys';
import { closeStatusCode, decideOnClose } from '../../src/channels/whatsapp/reconnect.js';
import { mentionedJids } from '../../src/channels/whatsapp/index.js';

describe('decideOnClose', () => {
  it.each([
    [DisconnectReason.loggedOut, 'stop'],
    [DisconnectReason.connectionReplaced, 'stop'],
    [DisconnectReason.multideviceMismatch, 'stop'],
    [DisconnectReason.forbidden, 'stop'],
    [DisconnectReason.restartRequired, 'reconnect'],
    [DisconnectReason.connectionLost, 'reconnect'],
    [DisconnectReason.connectionClosed, 'reconnect'],
    [DisconnectReason.badSession, 'reconnect'],
    [DisconnectReason.unavailableService, 'reconnect'],
    [undefined, 'reconnect'],
  ])('code %s → %s', (code, action) => expect(decideOnClose(code).action).toBe(action));

  it('restarts at once only when WhatsApp asks for a restart', () => {
    expect(decideOnClose(DisconnectReason.restartRequired)).toMatchObject({ immediate: true });
    expect(decideOnClose(DisconnectReason.connectionLost)).toMatchObject({ immediate: false });
  });
});

describe('closeStatusCode', () => {
  it.each([
    [{ output: { statusCode: 401 } }, 401],
    [new Error('plain'), undefined],
    [undefined, undefined],
    [{ output: { statusCode: '401' } }, undefined],
  ])('reads %j', (error, code) => expect(closeStatusCode(error)).toBe(code));
});

describe('mentionedJids', () => {
  it.each([
    ['hi @4915112345678!', ['4915112345678@s.whatsapp.net']],
    ['@123 too short', []],
    ['mail me at a@4915112345678', []],
    ['@15551234567 and @15551234567', ['15551234567@s.whatsapp.net']],
  ])('%j → %j', (text, jids) => expect(mentionedJids(text)).toEqual(jids));
});
