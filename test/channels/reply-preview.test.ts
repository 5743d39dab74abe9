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
});
