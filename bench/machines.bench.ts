/**
 * Machines (issue 15): what running an agent on another machine over SSH costs, against the
 * same agent here. Both use bwrap and the openai runtime, the fake model on 127.0.0.1
 * answering at once; the "remote" is a real sshd on 127.0.0.1 serving a second instance
 * (so network latency is ~0 and this measures SSH, the node relay and the gateway forward).
 *  - warm: the agent's run is alive; message → channel send;
 *  - cold: no run alive (the machine's SSH master stays up, as it does in production);
 *  - connection: an SSH session over the ControlMaster vs a fresh connection per run
 *    (`ssh host true`), which decided the design: one master per machine.
 *  - first connect: the master (TCP, key exchange, auth, `node attach` hello).
 * Needs a build (`npm run build`) and openssh-server.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type App } from '../src/app.js';
import { parseConfigText } from '../src/config/load.js';
import { CHAT_PREFIXES } from '../src/config/chat-ids.js';
import type { OutboundMessage, SentMessage } from '../src/domain/channel.js';
import { silentLogger } from '../src/observability/logger.js';
import { infoArgs, runArgs } from '../src/sandbox/ssh-args.js';
import { MachinePool } from '../src/sandbox/ssh-pool.js';
import { startFakeOpenAI } from '../test/fakes/fake-openai.js';
import { MemoryChannel } from '../test/helpers/memory-channel.js';
import { startRemoteMachine } from '../test/helpers/sshd.js';
import { percentile, round, type BenchResult } from './types.js';

const WARM = 20;
const COLD = 5;

class TimedChannel extends MemoryChannel {
  private waiter: ((at: number) => void) | undefined;
  next(): Promise<number> {
    return new Promise((resolve) => (this.waiter = resolve));
  }
  override async send(chat: string, message: OutboundMessage): Promise<SentMessage> {
    const at = performance.now();
    const sent = await super.send(chat, message);
    this.waiter?.(at);
    this.waiter = undefined;
    return sent;
  }
}

async function untilIdle(app: App, agent: string): Promise<void> {
  while (app.queue.activeRuns().find((r) => r.agent.id === agent)?.state !== 'idle') {
    await new Promise((r) => setTimeout(r, 2));
  }
}

const stopRuns = (app: App, agent: string): Promise<unknown> =>
  Promise.all(
    app.queue
      .activeRuns()
      .filter((r) => r.agent.id === agent)
      .map((r) => r.stop('bench: cold sample')),
  );

const timeCommand = (args: string[]): Promise<number> =>
  new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn('ssh', args, { stdio: 'ignore' });
    child.once('exit', (code) =>
      code === 0 ? resolve(performance.now() - began) : reject(new Error(`ssh exit ${code}`)),
    );
  });

const stats = (name: string, values: number[], note?: string): BenchResult[] => [
  { name: `${name} p50`, value: round(percentile(values, 50), 1), unit: 'ms', note },
  { name: `${name} p90`, value: round(percentile(values, 90), 1), unit: 'ms' },
];

export default async function bench(): Promise<BenchResult[]> {
  const remote = await startRemoteMachine();
  const api = await startFakeOpenAI();
  const home = mkdtempSync(join(tmpdir(), 'omniclaw-bench-machines-'));
  const channel = new TimedChannel();
  const results: BenchResult[] = [];
  const config = parseConfigText(
    `http: { port: 0 }
logging: { file: false }
models: { openai: { baseUrl: "${api.url}/v1", apiKey: sk-bench-0123456789 } }
machines: [${remote.entry('box')}]
agents:
  - { id: main, main: true, sandbox: none }
  - { id: here, runtime: openai, model: m, sandbox: bwrap }
  - { id: far, runtime: openai, model: m, runsOn: { machine: box } }
routes:
  - { chat: "mem:here", agent: here, requiresTrigger: false }
  - { chat: "mem:far", agent: far, requiresTrigger: false }
`,
    'bench.yaml',
    { env: {}, chatPrefixes: [...CHAT_PREFIXES, 'mem:'] },
  );
  const app = await startApp({ home, config, logger: silentLogger(), extraChannels: [channel] });
  try {
    const sample = async (agent: string): Promise<number> => {
      api.script({ kind: 'text', text: 'ok' });
      const sent = channel.next();
      const began = performance.now();
      channel.receive(`mem:${agent}`, 'hi');
      const at = await sent;
      await untilIdle(app, agent);
      return at - began;
    };
    for (const agent of ['here', 'far']) {
      await sample(agent); // first run: the machine's master connects here, folders are made
      const cold: number[] = [];
      for (let i = 0; i < COLD; i++) {
        await stopRuns(app, agent);
        cold.push(await sample(agent));
      }
      const warm: number[] = [];
      for (let i = 0; i < WARM; i++) warm.push(await sample(agent));
      const where = agent === 'far' ? 'remote (ssh → bwrap)' : 'local bwrap';
      results.push(
        ...stats(`warm message → send, ${where}`, warm),
        ...stats(`cold message → send, ${where}`, cold),
      );
    }

    // Connection sharing: a session over the master vs a new connection, both running `true`.
    const pool = new MachinePool({
      machines: config.machines,
      instanceId: 'benchconn000',
      controlDir: join(remote.root, 'cm'),
    });
    const link = pool.sandbox('box')!.link;
    const firstConnect = performance.now();
    await link.connect();
    results.push({
      name: 'first connect: master up and node attach hello',
      value: round(performance.now() - firstConnect, 1),
      unit: 'ms',
    });
    const mux: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < 10; i++) {
      mux.push(await timeCommand([...runArgs(link.target).slice(0, -1), 'true']));
      direct.push(await timeCommand([...infoArgs(link.target).slice(0, -1), 'true']));
    }
    results.push(
      ...stats('ssh session over the ControlMaster (`true`)', mux),
      ...stats('ssh fresh connection per run (`true`)', direct),
    );
    await pool.close();
  } finally {
    await app.stop();
    await api.close();
    await remote.close();
    rmSync(home, { recursive: true, force: true });
  }
  return results;
}
