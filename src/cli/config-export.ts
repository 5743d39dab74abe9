/**
 * `omniclaw config export`: the chats (and agents) registered at runtime, as omniclaw.yaml
 * text to paste into the file. Once they are in the YAML they win over the registrations,
 * which `omniclaw agents` then shows as conflicts to remove.
 */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { cliContext, fail, loadConfig } from './context.js';
import { readRegisteredGroups } from './registered.js';
import type { RegisteredGroup } from '../store/registered-groups.js';

/** The registrations not in the YAML yet (a chat the YAML routes already is left out: the YAML wins). */
export function exportYaml(
  all: readonly RegisteredGroup[],
  yaml: { agents: ReadonlySet<string>; chats: ReadonlySet<string> },
): string {
  const groups = all.filter((g) => !yaml.chats.has(g.chat));
  if (!groups.length) return '# no chats registered at runtime are missing from omniclaw.yaml\n';
  const yamlAgents = yaml.agents;
  const agents = groups
    .filter((g) => g.agentName !== undefined && !yamlAgents.has(g.agent))
    .map((g) => ({
      id: g.agent,
      name: g.agentName,
      ...(g.trigger ? { trigger: g.trigger } : {}),
      ...(g.server ? { server: g.server } : {}),
    }));
  const routes = groups.map((g) => ({
    chat: g.chat,
    agent: g.agent,
    ...(g.requiresTrigger !== undefined ? { requiresTrigger: g.requiresTrigger } : {}),
  }));
  return (
    '# Registered at runtime by the main agent; add these to omniclaw.yaml.\n' +
    stringify(agents.length ? { agents, routes } : { routes })
  );
}

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('work with omniclaw.yaml');
  config
    .command('export')
    .description('print the chats registered at runtime as omniclaw.yaml entries')
    .action(() => {
      try {
        const context = cliContext();
        const loaded = loadConfig(context);
        const groups = readRegisteredGroups(context);
        const yaml = {
          agents: new Set(loaded.agents.map((a) => a.id)),
          chats: new Set(loaded.routes.map((r) => r.chat)),
        };
        process.stdout.write(exportYaml(groups, yaml));
      } catch (err) {
        fail(`config export: ${(err as Error).message}`);
      }
    });
}
