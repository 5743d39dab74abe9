/** The node's first line on every connection: who it is, which protocol, which sandboxes. */
import type { Writable } from 'node:stream';
import type { NodeHello, NodeReply } from '../protocol/node-protocol.js';
import { PROTOCOL_VERSION } from '../protocol/runner-protocol.js';
import { OMNICLAW_VERSION, type NodeInstance } from './instance.js';

/** `detect: false` (node run): the sandboxes are not probed, the run's own start says whether one works. */
export async function helloOf(instance: NodeInstance, detect = true): Promise<NodeHello> {
  const found = detect ? await instance.sandboxes() : { kinds: [] };
  return {
    type: 'node_hello',
    v: PROTOCOL_VERSION,
    version: OMNICLAW_VERSION,
    home: instance.paths.home,
    sandboxes: found.kinds,
    ...(found.why ? { why: found.why } : {}),
  };
}

export const writeLine = (out: Writable, value: NodeHello | NodeReply): void => {
  out.write(JSON.stringify(value) + '\n');
};
