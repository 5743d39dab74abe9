/**
 * The two facts about a guild channel that a message does not carry: its name (the chat's
 * name) and, for a thread, the channel it hangs off (a thread's messages belong to the
 * parent's chat). @discordjs/core keeps no cache, so this one is filled from the gateway's
 * GUILD_CREATE, CHANNEL_* and THREAD_* events (the Guilds intent), and a channel it has not
 * seen is asked of the REST API once.
 */
import {
  ChannelType,
  GatewayDispatchEvents,
  type APIChannel,
  type Client,
  type GatewayGuildCreateDispatchData,
} from '@discordjs/core';
import { Recent } from '../kit/recent.js';

export interface ChannelInfo {
  name?: string;
  /** Set for a thread: the channel it was opened in. */
  threadParentId?: string;
}

const THREAD_TYPES: ReadonlySet<number> = new Set([
  ChannelType.AnnouncementThread,
  ChannelType.PublicThread,
  ChannelType.PrivateThread,
]);

/** Beyond this the oldest entries are forgotten (and fetched again when needed). */
const MAX_CHANNELS = 20_000;

type ChannelLike = Partial<Pick<APIChannel, 'id' | 'type'>> & {
  name?: string | null;
  parent_id?: string | null;
};

export class DiscordChannelCache {
  private readonly known = new Recent<ChannelInfo>(MAX_CHANNELS);
  private readonly pending = new Map<string, Promise<ChannelInfo>>();

  constructor(private readonly fetchChannel: (id: string) => Promise<ChannelLike>) {}

  /** Keeps the cache current from the gateway's channel and thread events. */
  listen(client: Client): void {
    client.on(GatewayDispatchEvents.GuildCreate, ({ data }) => this.addGuild(data));
    client.on(GatewayDispatchEvents.ChannelCreate, ({ data }) => this.put(data));
    client.on(GatewayDispatchEvents.ChannelUpdate, ({ data }) => this.put(data));
    client.on(GatewayDispatchEvents.ThreadCreate, ({ data }) => this.put(data));
    client.on(GatewayDispatchEvents.ThreadUpdate, ({ data }) => this.put(data));
    client.on(GatewayDispatchEvents.ThreadListSync, ({ data }) => data?.threads?.forEach((t) => this.put(t)));
    client.on(GatewayDispatchEvents.ChannelDelete, ({ data }) => data?.id && this.known.forget(data.id));
    client.on(GatewayDispatchEvents.ThreadDelete, ({ data }) => data?.id && this.known.forget(data.id));
  }

  /**
   * What is known about a guild channel; asked of the API when unknown. Concurrent asks share
   * one request, so messages of one channel keep their order. A failed ask is an empty answer.
   */
  async get(channelId: string): Promise<ChannelInfo> {
    const cached = this.known.get(channelId);
    if (cached) return cached;
    let asking = this.pending.get(channelId);
    if (!asking) {
      asking = this.fetchChannel(channelId)
        .then((channel) => this.put({ ...channel, id: channelId }))
        .catch(() => ({}))
        .finally(() => this.pending.delete(channelId));
      this.pending.set(channelId, asking);
    }
    return asking;
  }

  private addGuild(guild: GatewayGuildCreateDispatchData | null | undefined): void {
    for (const channel of guild?.channels ?? []) this.put(channel);
    for (const thread of guild?.threads ?? []) this.put(thread);
  }

  private put(channel: ChannelLike | null | undefined): ChannelInfo {
    if (!channel?.id) return {};
    const info: ChannelInfo = {};
    if (typeof channel.name === 'string') info.name = channel.name;
    if (channel.type !== undefined && THREAD_TYPES.has(channel.type) && channel.parent_id)
      info.threadParentId = channel.parent_id;
    this.known.remember(channel.id, info);
    return info;
  }
}
