/**
 * `omniclaw image build`: makes the agent image. With a registry, `docker build` of
 * container/Dockerfile (Node base image, git, Chromium, agent-browser). Without one (CI,
 * air-gapped hosts), container/build-offline.sh builds an equivalent image from the
 * host's Node and Debian packages, skipped when the same inputs were built before.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export type ImageBuildMode = 'dockerfile' | 'offline' | 'auto';

export interface ImageBuildOptions {
  /** The folder holding container/ (the project root). */
  projectRoot: string;
  tag?: string;
  mode?: ImageBuildMode;
  /** 'docker' or 'podman'. */
  cli?: string;
  /** Progress lines (the CLI prints them). */
  onOutput?: (line: string) => void;
}

export interface ImageBuildResult {
  tag: string;
  mode: 'dockerfile' | 'offline';
  /** False when an image with the same content hash existed and was reused. */
  built: boolean;
}

export class ImageBuildError extends Error {}

function runStreaming(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onOutput?: (line: string) => void,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer): void => {
      const text = chunk.toString();
      output = (output + text).slice(-20_000);
      for (const line of text.split('\n')) if (line.trim()) onOutput?.(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

async function buildOffline(options: ImageBuildOptions, tag: string): Promise<ImageBuildResult> {
  const script = join(options.projectRoot, 'container', 'build-offline.sh');
  const env = { ...process.env, DOCKER: options.cli ?? 'docker' };
  const { code, output } = await runStreaming('/bin/sh', [script, tag], env, options.onOutput);
  if (code !== 0) {
    throw new ImageBuildError(`the offline image build failed (exit ${code}):\n${output.slice(-2_000)}`);
  }
  return { tag, mode: 'offline', built: !/up to date/.test(output) };
}

async function buildDockerfile(options: ImageBuildOptions, tag: string): Promise<ImageBuildResult> {
  const dir = join(options.projectRoot, 'container');
  const { code, output } = await runStreaming(
    options.cli ?? 'docker',
    ['build', '-t', tag, '-f', join(dir, 'Dockerfile'), dir],
    process.env,
    options.onOutput,
  );
  if (code !== 0) {
    throw new ImageBuildError(
      `docker build of container/Dockerfile failed (exit ${code}):\n${output.slice(-2_000)}`,
    );
  }
  return { tag, mode: 'dockerfile', built: true };
}

/** Builds the image; 'auto' tries the Dockerfile first and falls back to the offline build. */
export async function buildAgentImage(options: ImageBuildOptions): Promise<ImageBuildResult> {
  const tag = options.tag ?? 'omniclaw-agent:latest';
  const mode = options.mode ?? 'auto';
  if (mode === 'offline') return buildOffline(options, tag);
  if (mode === 'dockerfile') return buildDockerfile(options, tag);
  try {
    return await buildDockerfile(options, tag);
  } catch (err) {
    options.onOutput?.(
      `Dockerfile build failed (${(err as Error).message.split('\n')[0]}); building offline instead`,
    );
    return buildOffline(options, tag);
  }
}
