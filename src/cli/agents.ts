/** `omniclaw agents`: the configured agents and the chats routed to them. */
import type { Command } from 'commander';
import { cliContext, fail, loadConfig } from './context.js';

export function registerAgents(program: Command): void {
  program
    .command('agents')
    .description('list the configured agents and their routes')
    .option('--json', 'print machine-readable JSON')
    .action((options: { json?: boolean }) => {
      let config;
      try {
        config = loadConfig(cliContext());
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
          .map((r) => r.chat + (r.requiresTrigger ? ' (trigger)' : '')),
      }));
      if (options.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      for (const r of rows) {
        process.stdout.write(
          `${r.id}${r.main ? ' (main)' : ''} — ${r.name}, ${r.runtime} ${r.model}, sandbox ${r.sandbox}, trigger ${r.trigger}\n` +
            r.chats.map((c) => `    ${c}\n`).join(''),
        );
      }
    });
}
