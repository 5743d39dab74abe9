/** register_group: the main agent adds a chat route at runtime (the rules live in core/group-registry.ts). */
import { defineAgentTool } from './define-tool.js';
import { ToolError, type ToolHandler } from './types.js';

export interface GroupRegistrar {
  /** Throws `refused` errors (their message is for the agent) when the chat cannot be registered. */
  register(
    group: {
      chat: string;
      agent: string;
      agentName: string;
      trigger?: string;
      requiresTrigger?: boolean;
      server?: string;
      description?: string;
    },
    by: string,
  ): { createdAgent: boolean };
}

export function registerGroupTool(
  registrar: GroupRegistrar,
  refused: (error: unknown) => boolean,
): ToolHandler {
  return defineAgentTool('register_group', async (args, context) => {
    if (!context.agent.main)
      throw new ToolError(
        `register_group: not allowed: only the main agent registers chats (you are "${context.agent.id}")`,
      );
    let result: { createdAgent: boolean };
    try {
      result = registrar.register(
        {
          chat: args.jid,
          agent: args.folder,
          agentName: args.name,
          trigger: args.trigger,
          requiresTrigger: args.requires_trigger,
          server: args.discord_guild_id,
          description: args.description,
        },
        context.agent.id,
      );
    } catch (error) {
      if (refused(error)) throw new ToolError(`register_group: ${(error as Error).message}`);
      throw error;
    }
    return (
      `Registered ${args.jid} for agent "${args.folder}"` +
      (result.createdAgent ? ` (a new agent: folder groups/${args.folder} with a CLAUDE.md)` : '') +
      '. It answers there from now on; `omniclaw config export` prints it as YAML for omniclaw.yaml.'
    );
  });
}
