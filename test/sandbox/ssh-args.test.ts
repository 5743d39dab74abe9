/** The ssh command lines (pure): short control paths, quoting for the remote shell, options that matter. */
import { describe, expect, it } from 'vitest';
import { machineSchema } from '../../src/config/machines.js';
import {
  controlDirFor,
  controlPathFor,
  masterArgs,
  MAX_CONTROL_PATH_BYTES,
  runArgs,
  shellQuote,
} from '../../src/sandbox/ssh-args.js';

const machine = machineSchema.parse({
  name: 'a-very-long-machine-name-of-32ch',
  ssh: 'me@gpu.example-tailnet-with-a-long-name.ts.net:2222',
  home: '/home/me/.omniclaw',
});
const target = {
  machine,
  address: { user: 'me', host: 'gpu.example-tailnet-with-a-long-name.ts.net', port: 2222 },
  controlPath: controlPathFor(
    controlDirFor('/home/someone/a/very/deep/instance/home/that/goes/on/and/on'),
    machine,
  ),
};

describe('ssh command lines', () => {
  it('keeps the control path short whatever the names', () => {
    expect(target.controlPath).toMatch(/^\/tmp\/oc-[0-9a-f]{10}\/[0-9a-f]{10}$/);
    expect(Buffer.byteLength(target.controlPath)).toBeLessThanOrEqual(MAX_CONTROL_PATH_BYTES);
    expect(() => controlPathFor(`/tmp/${'x'.repeat(90)}`, machine)).toThrow(
      /longer than 90 bytes; set TMPDIR/,
    );
  });

  it.each([
    ['plain', 'plain'],
    ['/a/b.sock', '/a/b.sock'],
    ["it's", `'it'\\''s'`],
    ['$(rm -rf ~)', `'$(rm -rf ~)'`],
    ['a b', `'a b'`],
  ])('quotes %s for the remote shell', (arg, quoted) => expect(shellQuote(arg)).toBe(quoted));

  it('the master forwards the gateway socket and fails without it; no agent or X11 forwarding, host keys checked', () => {
    const args = masterArgs(target, {
      remoteSocket: '/home/me/.omniclaw/run/gw-abc.sock',
      hostSocket: '/srv/gw.sock',
    });
    const joined = args.join(' ');
    for (const option of [
      'ExitOnForwardFailure=yes',
      'StreamLocalBindUnlink=yes',
      'StrictHostKeyChecking=yes',
      'BatchMode=yes',
      'ForwardAgent=no',
      'ControlMaster=yes',
    ]) {
      expect(joined).toContain(option);
    }
    expect(args).toContain('-a');
    expect(args).toContain('-x');
    expect(args[args.indexOf('-R') + 1]).toBe('/home/me/.omniclaw/run/gw-abc.sock:/srv/gw.sock');
    expect(args.at(-1)).toBe(
      'omniclaw node attach --home /home/me/.omniclaw --gateway-socket /home/me/.omniclaw/run/gw-abc.sock',
    );
  });

  it('a run rides the master and forwards nothing of its own', () => {
    const args = runArgs(target).join(' ');
    expect(args).toContain(`ControlPath=${target.controlPath}`);
    expect(args).toContain('ControlMaster=no');
    expect(args).toContain('ClearAllForwardings=yes');
    expect(args).not.toContain('-R');
    expect(
      args.endsWith(
        'gpu.example-tailnet-with-a-long-name.ts.net omniclaw node run --home /home/me/.omniclaw',
      ),
    ).toBe(true);
  });
});
