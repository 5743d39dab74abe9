/**
 * What Telegram's errors mean to the channel, in one place: their text for logs and errors
 * (never a URL: file URLs carry the bot token), the ones that retrying cannot fix (connect and
 * polling stop on them), the formatting refusals that get a plain-text retry, and the typed
 * ChannelSendError the outbox decides with.
 */
import { GrammyError, HttpError } from 'grammy/web';
import { ChannelSendError, kindForStatus } from '../../domain/send-error.js';
import { describeError } from '../kit/errors.js';

/** An API error by its code and description; anything else as the kit says it (no URLs, the network reason under it). */
export const describe = (error: unknown): string =>
  error instanceof GrammyError ? `${error.error_code} ${error.description}` : describeError(error);

/** Why retrying cannot help: a wrong token, or another consumer of the updates; undefined otherwise. */
export function fatalReason(error: unknown): string | undefined {
  if (!(error instanceof GrammyError)) return undefined;
  if (error.error_code === 401 || error.error_code === 404)
    return `Telegram rejected the bot token (${describe(error)}); check channels.telegram.token with @BotFather`;
  if (error.error_code === 409)
    return 'another process is polling this bot, or a webhook is set (409): stop the other instance';
  return undefined;
}

/** Telegram refused the message's formatting (its HTML entities): the plain text may still go. */
export function isEntityError(error: unknown): boolean {
  return (
    error instanceof GrammyError && error.error_code === 400 && /entit|parse|tag/i.test(error.description)
  );
}

/** Typed for the outbox: a 429 says how long to wait, 5xx and network errors are retried, the rest not. */
export function sendError(chatId: string, error: unknown): Error {
  const message = `Telegram: sending to tg:${chatId} failed: ${describe(error)}`;
  if (error instanceof GrammyError) {
    const retryAfter = error.parameters.retry_after;
    return new ChannelSendError(
      message,
      kindForStatus(error.error_code),
      typeof retryAfter === 'number' ? retryAfter * 1000 : undefined,
    );
  }
  if (error instanceof HttpError) return new ChannelSendError(message, 'unavailable');
  return new Error(message, { cause: error });
}
