/**
 * Gateway added latency per model request: the same small POST sent straight to a fake
 * upstream, through the gateway over TCP, and through the in-sandbox forwarder and the
 * Unix socket (the Linux path). Keep-alive everywhere, one request at a time, as an
 * engine's model turns are. Added latency = gateway p50 − direct p50. The gateway meters
 * usage as the host does (real SQLite: a budget check before and a usage row update after
 * each call), and the upstream answers with an Anthropic usage block for it to read.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, round, type BenchResult } from './types.js';
import { startGateway } from '../src/gateway/gateway.js';
import { startForwarder } from '../runner/src/forwarder.js';
import { silentLogger } from '../src/observability/logger.js';
import { startFakeUpstream } from '../test/fakes/fake-upstream.js';
import { openStore } from '../src/store/index.js';
import { parseConfigText } from '../src/config/load.js';
import { createGatewayMeter } from '../src/core/gateway-meter.js';

const WARMUP = 300;
const SAMPLES = 3000;
const BODY = JSON.stringify({
  model: 'claude-test',
  max_tokens: 16,
  messages: [{ role: 'user', content: 'hi' }],
});

function timeRequests(port: number, path: string, headers: Record<string, string>): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const once = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          agent,
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(BODY),
          },
        },
        (res) => {
          if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode} for ${path}`));
          res.resume();
          res.on('end', () => resolve(performance.now() - started));
        },
      );
      req.on('error', reject);
      req.end(BODY);
    });
  return (async () => {
    for (let i = 0; i < WARMUP; i++) await once();
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) samples.push(await once());
    agent.destroy();
    return samples;
  })();
}

export default async function gatewayBench(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ocgw-bench-'));
  const socketPath = join(dir, 'gateway.sock');
  const upstream = await startFakeUpstream();
  upstream.record = false;
  const reply = JSON.stringify({
    id: 'msg_bench',
    type: 'message',
    role: 'assistant',
    content: [{ type: 'text', text: 'ok' }],
    usage: { input_tokens: 12, output_tokens: 7, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
  });
  upstream.handle((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
    res.end(reply);
  });
  const store = openStore(join(dir, 'bench.db'));
  const config = parseConfigText(
    'agents: [{ id: bench, budget: { dailyTokens: 1000000000000 } }]',
    'bench.yaml',
    {
      env: {},
    },
  );
  for (const id of ['bench-tcp', 'bench-sock']) store.runs.start({ id, agent: 'bench' });
  const forwarder = await startForwarder(socketPath, 0);
  const gateway = await startGateway({
    socketPath,
    tcp: { host: '127.0.0.1', port: 0 },
    forwarderPort: forwarder.port,
    models: { anthropic: { baseUrl: upstream.url, apiKey: 'sk-bench-real-key' } },
    logger: silentLogger(),
    meter: createGatewayMeter({ runs: store.runs, agents: () => config.agents, timezone: 'UTC' }),
  });
  try {
    const tcpGrant = gateway.grant({
      runId: 'bench-tcp',
      agentId: 'bench',
      allowHosts: [],
      transport: 'tcp',
    });
    const socketGrant = gateway.grant({
      runId: 'bench-sock',
      agentId: 'bench',
      allowHosts: [],
      transport: 'socket',
    });
    const direct = await timeRequests(upstream.port, '/v1/messages', { 'x-api-key': 'sk-bench-real-key' });
    const viaTcp = await timeRequests(Number(new URL(gateway.tcpUrl!).port), '/anthropic/v1/messages', {
      'x-api-key': tcpGrant.token,
    });
    const viaSocket = await timeRequests(forwarder.port, '/anthropic/v1/messages', {
      'x-api-key': socketGrant.token,
    });
    const p = (values: number[], q: number): number => round(percentile(values, q), 3);
    const note = `${SAMPLES} sequential keep-alive POSTs after ${WARMUP} warm-up`;
    return [
      { name: 'direct to fake upstream p50', value: p(direct, 50), unit: 'ms', note },
      { name: 'direct to fake upstream p99', value: p(direct, 99), unit: 'ms' },
      { name: 'via gateway TCP p50', value: p(viaTcp, 50), unit: 'ms' },
      { name: 'via gateway TCP p99', value: p(viaTcp, 99), unit: 'ms' },
      { name: 'via forwarder + Unix socket p50', value: p(viaSocket, 50), unit: 'ms' },
      { name: 'via forwarder + Unix socket p99', value: p(viaSocket, 99), unit: 'ms' },
      {
        name: 'gateway added latency, TCP, p50',
        value: round(p(viaTcp, 50) - p(direct, 50), 3),
        unit: 'ms',
        target: '≤ 2 ms p50',
      },
      { name: 'gateway added latency, TCP, p99', value: round(p(viaTcp, 99) - p(direct, 99), 3), unit: 'ms' },
      {
        name: 'gateway added latency, forwarder + socket, p50',
        value: round(p(viaSocket, 50) - p(direct, 50), 3),
        unit: 'ms',
        target: '≤ 2 ms p50',
      },
      {
        name: 'gateway added latency, forwarder + socket, p99',
        value: round(p(viaSocket, 99) - p(direct, 99), 3),
        unit: 'ms',
      },
    ];
  } finally {
    await gateway.close();
    await forwarder.close();
    await upstream.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
