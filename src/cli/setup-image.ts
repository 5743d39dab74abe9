/**
 * The setup step for a Docker (or Podman) that answers but has no agent image: without it
 * auto falls back to bubblewrap, or finds no sandbox at all on macOS. Images are never
 * pulled; the build runs here (Dockerfile, else offline from the host's Debian packages)
 * with its progress shown as it comes, since a first build takes minutes.
 */
import type { ImageBuildResult } from '../sandbox/image.js';
import type { Prompts } from './setup-prompts.js';

export interface ImageBuildRequest {
  tag: string;
  cli: string;
  onOutput: (line: string) => void;
}

export interface ImageOffer {
  /** docker or podman: the CLI the image is built with. */
  engine: string;
  tag: string;
  /** On a terminal: asks first. */
  ask: Prompts | undefined;
  /** --yes: builds without asking. */
  unasked: boolean;
  /** --no-image: only says how. */
  refused: boolean;
  build?: (request: ImageBuildRequest) => Promise<ImageBuildResult>;
  out: (text: string) => void;
}

/** Offers the build; resolves to whether the image is there now. */
export async function offerImageBuild(offer: ImageOffer): Promise<boolean> {
  const { engine, tag, out } = offer;
  const later = `Build it later with \`omniclaw image build\` (${engine} is used once it has ${tag}).`;
  const wanted =
    !offer.refused &&
    (offer.ask
      ? await offer.ask.confirm(
          `${engine} has no agent image ${tag}. Build it now (a few minutes the first time)?`,
        )
      : offer.unasked);
  if (!wanted) {
    out(`  ${later}\n`);
    return false;
  }
  out(`  Building ${tag} with ${engine}…\n`);
  const build = offer.build ?? defaultBuild;
  try {
    const result = await build({ tag, cli: engine, onOutput: (line) => out(`  │ ${line}\n`) });
    out(`✓ ${result.built ? 'Built' : 'Already had'} the agent image ${result.tag} (${result.mode}).\n`);
    return true;
  } catch (error) {
    out(`✗ The image build failed: ${(error as Error).message.split('\n')[0]} ${later}\n`);
    return false;
  }
}

async function defaultBuild(request: ImageBuildRequest): Promise<ImageBuildResult> {
  const { PROJECT_ROOT } = await import('../config/install.js');
  const { buildAgentImage } = await import('../sandbox/image.js');
  return buildAgentImage({ projectRoot: PROJECT_ROOT, mode: 'auto', ...request });
}
