/** What a run on another machine is sent: no mounts, no host paths, and never a secret. */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { buildRemoteSpec } from '../../src/sandbox/remote-spec.js';
import { SecretLeakError } from '../../src/sandbox/spec.js';

const config = parseConfigText(
  `machines: [{ name: box, ssh: me@box }]
agents:
  - { id: main, main: true }
  - { id: far, runsOn: { machine: box }, env: { API_TIMEOUT_MS: "5000" } }
  - { id: leaky, runsOn: { machine: box }, env: { MY_KEY: sk-ant-real-secret-value } }
`,
  'remote.yaml',
  { env: {} },
);
const agent = (id: string) => config.agents.find((a) => a.id === id)!;

describe('the spec of a remote run', () => {
  it('holds the run, limits and environment, and nothing of this machine', () => {
    const { spec, workspace, diskFolders } = buildRemoteSpec({
      agent: agent('far'),
      runId: 'r1',
      secrets: [],
    });
    expect(spec.mounts).toEqual([]);
    expect(diskFolders).toEqual([]);
    expect(spec.env).toEqual({ API_TIMEOUT_MS: '5000', OMNICLAW_RUN_ID: 'r1', OMNICLAW_AGENT_ID: 'far' });
    expect(workspace.agentDir).toBe('/workspace/agent');
    expect(JSON.stringify(spec)).not.toMatch(/omniclaw\.db|\.env|groups\//);
  });

  it('refuses an environment that holds a configured secret before it leaves', () => {
    expect(() =>
      buildRemoteSpec({ agent: agent('leaky'), runId: 'r2', secrets: ['sk-ant-real-secret-value'] }),
    ).toThrow(SecretLeakError);
  });
});
