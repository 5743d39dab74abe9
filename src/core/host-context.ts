/** What every part of the host is built with: the config, the instance's paths, the logger and the clock. */
import type { Logger } from 'pino';
import type { Config } from '../config/normalise.js';
import type { InstancePaths } from '../config/paths.js';

export interface HostContext {
  config: Config;
  paths: InstancePaths;
  logger: Logger;
  /** The clock (tests move it); default Date.now. */
  now?: () => number;
}
