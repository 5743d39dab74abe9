/** `omniclaw image build`: builds the agent image for the docker/podman sandboxes. */
import type { Command } from 'commander';
import type { ImageBuildMode } from '../sandbox/image.js';
import { cliContext, fail, loadConfig } from './context.js';

export function registerImage(program: Command): void {
  const image = program.command('image').description('the agent image for the docker and podman sandboxes');
  image
    .command('build')
    .description('build the agent image (from container/Dockerfile, or offline from Debian packages)')
    .option('--mode <mode>', 'auto | dockerfile | offline', 'auto')
    .option('--tag <tag>', 'image tag (default: sandbox.image from the config)')
    .option('--cli <cli>', 'docker or podman', 'docker')
    .action(async (options: { mode: string; tag?: string; cli: string }) => {
      if (!['auto', 'dockerfile', 'offline'].includes(options.mode)) {
        return fail(`--mode must be auto, dockerfile or offline, not "${options.mode}"`);
      }
      const tag = options.tag ?? loadConfig(cliContext()).sandbox.image;
      try {
        const { PROJECT_ROOT } = await import('../app.js');
        const { buildAgentImage } = await import('../sandbox/image.js');
        const result = await buildAgentImage({
          projectRoot: PROJECT_ROOT,
          tag,
          mode: options.mode as ImageBuildMode,
          cli: options.cli,
          onOutput: (line) => process.stderr.write(line + '\n'),
        });
        process.stdout.write(`${result.built ? 'built' : 'up to date'}: ${result.tag} (${result.mode})\n`);
      } catch (err) {
        fail((err as Error).message);
      }
    });
}
