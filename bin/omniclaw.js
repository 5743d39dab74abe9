#!/usr/bin/env -S node --max-semi-space-size=1 --single-threaded
// --max-semi-space-size=1: the daemon idles most of the time, and V8's default young
// generation (semi-spaces grown to 16 MB under load, then kept) held 30-40 MB of its idle
// RSS: 145 -> 106 MB with Telegram, Discord and Slack connected, with inbound throughput and
// warm latency unchanged (docs/performance.md). It must be a command-line flag (the
// systemd unit in docs/operations.md passes it too): v8.setFlagsFromString at run time
// recovered only a third of it.
// --single-threaded: no V8 helper threads. Their optimising compiles and GC work allocate
// through glibc arenas of their own, which kept 4-9 MB after start-up, differently in every
// run: with every channel 80.0-80.8 MB idle against 83-89 MB, throughput and warm p50 the
// same, warm p99 about 3 ms higher (optimising now pauses the event loop; performance.md).
// Also a command-line flag: V8 starts its helper threads before any script runs.
// Thin launcher: the CLI is compiled to dist/ and bundled into dist/bundle/ (scripts/bundle.ts:
// minified, which holds 3-5 MB less source text in the heap) by `npm install` (prepare) or
// `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
// WebAssembly compiled by Liftoff only, never tiered up to TurboFan: the WebAssembly here is
// undici's HTTP parser (Node's fetch, and the undici the Discord and Slack clients use), and its
// optimised code held 8-10 MB of the daemon's idle RSS for a parser of a few REST calls
// (docs/performance.md); with WhatsApp configured, Baileys' bridge module is compiled so too.
// Set at run time, before anything compiles WebAssembly; unlike the heap flag above it takes
// effect that way, and a V8 without the flag would only warn.
setFlagsFromString('--liftoff-only');
const entry = new URL('../dist/bundle/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error(
    'omniclaw: not built yet. Run `npm install` (or `npm run build`) in the project folder first.',
  );
  process.exit(1);
}
await import(entry.href);
