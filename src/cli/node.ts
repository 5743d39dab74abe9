/**
 * `omniclaw node …`: the commands another machine runs for a main machine (issue 15).
 * `init` is for the operator; `run`, `attach` and `info` are what the main machine runs over
 * SSH, and speak the node handshake (src/protocol/node-protocol.ts) on stdout.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { resolveHome } from '../config/paths.js';
import { createLogger } from '../observability/logger.js';

const homeOf = (given: string | undefined): string => (given ? resolve(given) : resolveHome());

export function registerNode(program: Command): void {
  const node = program
    .command('node')
    .description('run agents of a main OmniClaw machine here (docs/machines.md)');
  node
    .command('init')
    .description('prepare this machine and print the line for the main machine’s config')
    .option('--home <dir>', 'the instance directory (default $OMNICLAW_HOME or ~/.omniclaw)')
    .option('--host <name>', 'the name the main machine reaches this one by (default the hostname)')
    .option('--name <name>', 'the machine’s name in the main config (default the short hostname)')
    .option(
      '--sandbox <kind>',
      'the sandbox for agents here (default the first that works: docker, podman, bwrap)',
    )
    .action(async (options: { home?: string; host?: string; name?: string; sandbox?: string }) => {
      const { initNode } = await import('../node/init.js');
      let result: Awaited<ReturnType<typeof initNode>>;
      try {
        result = await initNode(homeOf(options.home), options);
      } catch (err) {
        process.stderr.write(`omniclaw: ${(err as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      const out = process.stdout;
      out.write(`Prepared ${result.home}${result.wroteConfig ? ' (wrote omniclaw.yaml)' : ''}.\n`);
      out.write(
        result.sandbox
          ? `Agents here run in: ${result.sandbox}.\n`
          : `No sandbox works here yet: ${result.why ?? 'none found'}. Fix that first (omniclaw doctor).\n`,
      );
      out.write(
        `\nAdd this to machines: in the main machine's omniclaw.yaml, then run \`omniclaw machines check\` there:\n\n  ${result.entry}\n\n`,
      );
      out.write(
        'Make sure the main machine can `ssh` here with a key, and knows this host key (docs/machines.md).\n',
      );
    });
  for (const [name, description] of [
    ['run', 'one agent run for the main machine: the runner protocol on stdio (used over SSH)'],
    ['attach', 'the main machine’s SSH master: hello, then wait (used over SSH)'],
    ['info', 'print the hello line: version, home, sandboxes (used over SSH)'],
  ] as const) {
    const command = node
      .command(name)
      .description(description)
      .option('--home <dir>', 'the instance directory (default $OMNICLAW_HOME or ~/.omniclaw)');
    if (name === 'attach') command.option('--gateway-socket <path>', 'the forwarded gateway socket');
    command.action(async (options: { home?: string; gatewaySocket?: string }) => {
      // stdout is the protocol: logs go to stderr only, which the main machine keeps for its log.
      const logger = createLogger({ level: 'warn' });
      const { openNodeInstance } = await import('../node/instance.js');
      const instance = openNodeInstance(homeOf(options.home), logger);
      const io = { input: process.stdin, output: process.stdout, errors: process.stderr };
      let code: number;
      if (name === 'run') code = await (await import('../node/run.js')).runNode(instance, io, logger);
      else if (name === 'attach')
        code = await (await import('../node/attach.js')).attachNode(instance, io, options.gatewaySocket);
      else {
        const { helloOf, writeLine } = await import('../node/hello.js');
        writeLine(process.stdout, await helloOf(instance));
        code = 0;
      }
      process.stdout.write('', () => process.exit(code));
    });
  }
}
