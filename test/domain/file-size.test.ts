import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/domain/file-size.js';

describe('file sizes as a person reads them', () => {
  it.each([
    [512, '512 bytes'],
    [12 * 1024, '12 KB'],
    [3.44 * 1024 * 1024, '3.4 MB'],
    [12 * 1024 * 1024, '12 MB'],
  ])('%d bytes read as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
