/**
 * A hostile or broken machine (issue 15): a real sshd whose "omniclaw" answers with another
 * protocol version, garbage, or a line without end. The host refuses it with a clear message,
 * reads no more than the handshake bound, and stays able to talk to a healthy machine.
 * After the handshake, garbage or an oversized runner line ends that run (RunnerConnection).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { RunnerConnection } from '../../src/core/runner-connection.js';
import { MachinePool } from '../../src/sandbox/ssh-pool.js';
import { SandboxStartError } from '../../src/sandbox/start-error.js';
import type { SandboxSpec } from '../../src/sandbox/types.js';
import type { ProtocolError } from '../../src/protocol/runner-protocol.js';
import { startRemoteMachine, type RemoteMachine } from '../helpers/sshd.js';

const HOSTILE = fileURLToPath(new URL('../fixtures/hostile-node.sh', import.meta.url));
const modes = [
  'wrong-version',
  'garbage',
  'oversized',
  'garbage-after-ready',
  'oversized-after-ready',
] as const;

const spec: SandboxSpec = {
  runId: 'run-hostile',
  agentId: 'far',
  runner: { hostDir: '', main: '' },
  mounts: [],
  env: {},
  limits: { memoryMb: 256, cpus: 1, pids: 64, timeoutMs: 60_000 },
  workdir: '/workspace/agent',
};

describe('a hostile machine is refused without harming the host', () => {
  let remote: RemoteMachine;
  let pool: MachinePool;

  beforeAll(async () => {
    remote = await startRemoteMachine();
    const machines = [
      remote.entry('good'),
      ...modes.map((mode) => remote.entry(mode.replace(/-/g, '_'), `command: "sh ${HOSTILE} ${mode}"`)),
    ];
    // The entry's own command is replaced: a later key of a flow map would be a duplicate.
    const yaml = `machines:\n${machines.map((m) => `  - ${m.replace(/, command: "[^"]*"(?=.*command:)/, '')}`).join('\n')}`;
    const config = parseConfigText(yaml, 'hostile.yaml', { env: {} });
    pool = new MachinePool({
      machines: config.machines,
      instanceId: 'hostile0test',
      controlDir: join(remote.root, 'cm'),
    });
  });

  afterAll(async () => {
    await pool?.close();
    await remote?.close();
  });

  it.each([
    ['wrong_version', /speaks runner protocol 99, this machine 1: upgrade OmniClaw on the main machine/],
    ['garbage', /did not answer with the OmniClaw node handshake \(got: "Welcome to my box!/],
    ['oversized', /handshake line over 65536 bytes/],
  ])('machine %s is refused at the handshake', async (name, expected) => {
    const error = await pool
      .sandbox(name)!
      .start(spec)
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(error).toBeInstanceOf(SandboxStartError);
    expect((error as Error).message).toMatch(expected);
    // The chat hears one sentence that says what to run; the detail stays in the log.
    expect((error as SandboxStartError).userText).toContain(`\`omniclaw machines check ${name}\``);
    expect(pool.health().find((m) => m.name === name)).toMatchObject({ state: 'down' });
  });

  it.each([
    ['garbage_after_ready', /not JSON/],
    ['oversized_after_ready', /exceeds the 1048576-byte limit/],
  ])('machine %s: its run ends with a protocol error', async (name, expected) => {
    const proc = await pool.sandbox(name)!.start(spec);
    const connection = new RunnerConnection(proc);
    const failed = await new Promise<ProtocolError>((resolve) => connection.once('protocolError', resolve));
    expect(failed.message).toMatch(expected);
    await proc.exited;
  });

  it('still runs a healthy machine afterwards', async () => {
    const detection = await pool.sandbox('good')!.detect();
    expect(detection).toMatchObject({ available: true });
    expect(detection.why).toMatch(/OmniClaw 0\.1\.0, sandbox bwrap/);
  });
});
