/**
 * `node runner/dist/runner/src/mcp-stdio.js <socket>`: the stdio MCP server an engine (Codex) starts.
 * It is only a pipe between its stdio and the runner's Unix socket (mcp/stdio-bridge.ts),
 * so it starts fast and holds no logic. It exits when either side closes.
 */
import { connect } from 'node:net';

const socketPath = process.argv[2];
if (!socketPath) {
  process.stderr.write('usage: mcp-stdio <socket path of the OmniClaw runner>\n');
  process.exit(2);
}
const socket = connect(socketPath);
socket.on('error', (err) => {
  process.stderr.write(`omniclaw mcp-stdio: cannot reach the runner at ${socketPath}: ${err.message}\n`);
  process.exit(1);
});
socket.on('close', () => process.exit(0));
process.stdin.on('end', () => socket.end());
process.stdin.pipe(socket);
socket.pipe(process.stdout);
