import { describe, expect, it } from 'vitest';
import { closedPort } from '../../helpers/closed-port.js';
import { describeError } from '../../../src/channels/kit/errors.js';

describe('describeError', () => {
  it('keeps the code and drops URLs, which can carry a token', () => {
    const error = Object.assign(new Error('request to https://api.telegram.org/bot123:abc/getMe failed'), {
      code: 'ETIMEDOUT',
    });
    expect(describeError(error)).toBe('request to [url] failed ETIMEDOUT');
  });

  it("follows Node fetch's cause and grammY's wrapped error down to the reason", async () => {
    const port = await closedPort();
    const refused = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
    const wrapped = Object.assign(new Error("Network request for 'getMe' failed!"), { error: refused });
    expect(describeError(wrapped)).toMatch(
      /^Network request for 'getMe' failed!: fetch failed: connect ECONNREFUSED 127\.0\.0\.1:\d+ ECONNREFUSED$/,
    );
  });

  it('stops after three levels of causes', () => {
    let error = new Error('bottom');
    for (let i = 0; i < 5; i++) error = new Error(`level ${i}`, { cause: error });
    expect(describeError(error)).toBe('level 4: level 3: level 2: level 1');
  });
});
