/** `omniclaw agents`: the configured agents and the chats routed to them. */
import type { Command } from 'commander';
import type { RegistrationConflict } from '../config/registered-groups.js';
import { cliContext, fail, loadConfig } from './context.js';
import { withRegisteredGroups } from './registered.js';

export function registerAgents(program: Command): void {
  program
    .command('agents')
    .description('list the configured agents and their routes')
    .option('--json', 'print machine-readable JSON')
    .action((options: { json?: boolean }) => {
      let config;
      let registered: { added: Set<string>; conflicts: RegistrationConflict[] };
      try {
        const context = cliContext();
        config = loadConfig(context);
        registered = withRegisteredGroups(context, config);
      } catch (err) {
        return fail((err as Error).message);
      }
      const rows = config.agents.map((a) => ({
        id: a.id,
        name: a.name,
        main: a.main,
        runtime: a.runtime,
        model: a.model ?? '(default)',
        sandbox: a.sandbox,
        trigger: a.trigger,
        chats: config.routes
          .filter((r) => r.agent === a.id)
          .map(
            (r) =>
              r.chat +
              (r.requiresTrigger ? ' (trigger)' : '') +
              (registered.added.has(r.chat) ? ' (registered)' : ''),
          ),
      }));
      const conflicts = registered.conflicts.map(
        (c) =>
          `${c.chat} was registered for agent "${c.registeredAgent}" but omniclaw.yaml routes it to "${c.yamlAgent}": ` +
          'the YAML wins; remove one of them',
      );
      if (options.json) {
        process.stdout.write(
          JSON.stringify(conflicts.length ? { agents: rows, conflicts } : rows, null, 2) + '\n',
        );
        return;
      }
      for (const r of rows) {
        process.stdout.write(
          `${r.id}${r.main ? ' (main)' : ''} — ${r.name}, ${r.runtime} ${r.model}, sandbox ${r.sandbox}, trigger ${r.trigger}\n` +
            r.chats.map((c) => `    ${c}\n`).join(''),
        );
      }
      for (const conflict of conflicts) process.stdout.write(`conflict: ${conflict}\n`);
    });
}
