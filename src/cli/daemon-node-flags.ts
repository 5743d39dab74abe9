/**
 * Node flags the daemon runs with, wherever it is started: the launcher's shebang
 * (bin/omniclaw.js), `npm start` (package.json) and the service units that call Node
 * directly (service-units.ts). A test keeps the three the same. Why the flags: see the comment in bin/omniclaw.js.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--single-threaded'];
