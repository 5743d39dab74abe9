#!/usr/bin/env -S node --max-semi-space-size=1
// --max-semi-space-size=1: the daemon idles most of the time, and V8's default young
// generation (semi-spaces grown to 16 MB under load, then kept) held 30-40 MB of its idle
// RSS: 145 -> 106 MB with Telegram, Discord and Slack connected, with inbound throughput and
// warm latency unchanged (docs/performance.md). It must be a command-line flag (the
// systemd unit in docs/operations.md passes it too): v8.setFlagsFromString at run time
// recovered only a third of it.
// Thin launcher: the CLI is compiled to dist/ by `npm install` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
// WebAssembly compiled by Liftoff only, never tiered up to TurboFan: the one WebAssembly here
// is undici's HTTP parser (Node's fetch, and the copy @discordjs/rest brings), and its
// optimised code held 8-10 MB of the daemon's idle RSS for a parser of a few REST calls
// (docs/performance.md). Set at run time, before anything compiles WebAssembly; unlike the
// heap flag above it takes effect that way, and a V8 without the flag would only warn.
setFlagsFromString('--liftoff-only');
const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error(
    'omniclaw: not built yet. Run `npm install` (or `npm run build`) in the project folder first.',
  );
  process.exit(1);
}
await import(entry.href);
