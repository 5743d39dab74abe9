/** ThrottledPreview: the first words go out at once, later edits at the platform's rate. */
import { describe, expect, it } from 'vitest';
import { ThrottledPreview } from '../../src/channels/reply-preview.js';

function recordingPreview(intervalMs = 1_000) {
  const calls: string[] = [];
  const preview = new ThrottledPreview({
    post: async (text) => (calls.push(`post ${text}`), 'm1'),
    edit: async (id, text) => void calls.push(`edit ${id} ${text}`),
    intervalMs,
    maxLength: 100,
    onError: (error) => {
      throw error;
    },
  });
  return { preview, calls };
}

describe('ThrottledPreview', () => {
  it('posts the first words even when the reply ends the preview in the same tick', async () => {
    // A fast model: its deltas and its reply reach the host in one read, so end() follows
    // update() before any timer could fire. The reply must still edit a posted preview.
    const { preview, calls } = recordingPreview();
    preview.update('Stream');
    preview.update('Streamed through');
    expect(await preview.end()).toBe('m1');
    expect(calls).toEqual(['post Stream']);
  });

  it('coalesces updates between edits and sends only the latest text', async () => {
    const { preview, calls } = recordingPreview(30);
    preview.update('one');
    preview.update('one two');
    preview.update('one two three');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await preview.end()).toBe('m1');
    expect(calls).toEqual(['post one', 'edit m1 one two three']);
  });

  it('stops at a failed post, logs it once, and sends nothing after', async () => {
    const errors: unknown[] = [];
    let posts = 0;
    const preview = new ThrottledPreview({
      post: async () => {
        posts++;
        throw new Error('rate limited');
      },
      edit: async () => undefined,
      intervalMs: 10,
      maxLength: 100,
      onError: (error) => errors.push(error),
    });
    preview.update('one');
    await new Promise((resolve) => setTimeout(resolve, 30));
    preview.update('one two');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await preview.end()).toBeUndefined();
    expect(posts).toBe(1);
    expect(errors).toHaveLength(1);
  });

  it('shows the start of a long text, and edits no more once the clipped text stops changing', async () => {
    const { preview, calls } = recordingPreview(10);
    preview.update('x'.repeat(150));
    await new Promise((resolve) => setTimeout(resolve, 30));
    preview.update('x'.repeat(200));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await preview.end();
    expect(calls).toEqual([`post ${'x'.repeat(99)}…`]);
  });
});
