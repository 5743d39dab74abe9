/**
 * "Send any message to your bot now": long-polls the Bot API's getUpdates until a message
 * arrives and returns its chat as a route id (`tg:<chat id>`), so nobody has to look a chat
 * id up. The update is confirmed (a last call with the next offset) so the daemon does not
 * answer it later. The URL holds the token: errors never include it.
 */
export interface WaitOptions {
  apiUrl: string;
  token: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

interface Update {
  update_id: number;
  message?: { chat?: { id?: number; title?: string; first_name?: string; username?: string } };
}

export async function waitForTelegramChat(options: WaitOptions): Promise<{ chat: string; name: string }> {
  const fetchImpl = options.fetch ?? fetch;
  const base = `${options.apiUrl.replace(/\/+$/, '')}/bot${options.token}`;
  const deadline = Date.now() + options.timeoutMs;
  let offset = 0;
  while (Date.now() < deadline) {
    const pollSeconds = Math.max(1, Math.min(25, Math.floor((deadline - Date.now()) / 1000)));
    const updates = await call<Update[]>(fetchImpl, `${base}/getUpdates`, {
      offset,
      timeout: pollSeconds,
      allowed_updates: ['message'],
    });
    for (const update of updates) {
      offset = update.update_id + 1;
      const chat = update.message?.chat;
      if (typeof chat?.id !== 'number') continue;
      await call(fetchImpl, `${base}/getUpdates`, { offset, timeout: 0 });
      return {
        chat: `tg:${chat.id}`,
        name: chat.title ?? chat.first_name ?? chat.username ?? String(chat.id),
      };
    }
  }
  throw new Error(
    `No message reached the bot within ${Math.round(options.timeoutMs / 1000)} s. Run setup again and send it a message, or pass --telegram-chat <id>.`,
  );
}

async function call<T>(fetchImpl: typeof fetch, url: string, body: Record<string, unknown>): Promise<T> {
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(Number(body.timeout ?? 0) * 1000 + 15_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new Error(`Telegram getUpdates could not be reached (${cause}); check the network.`, {
      cause: err,
    });
  }
  const answer = (await res.json().catch(() => ({}))) as { ok?: boolean; result?: T; description?: string };
  if (answer.ok !== true) {
    const why = String(answer.description ?? `HTTP ${res.status}`).slice(0, 200);
    // 409: a webhook is set, or the running daemon is polling with the same token.
    throw new Error(
      res.status === 409
        ? `Telegram says another client is reading this bot's messages (${why}); stop OmniClaw (or the other bot) and run setup again.`
        : `Telegram getUpdates failed (${why}).`,
    );
  }
  return answer.result as T;
}
