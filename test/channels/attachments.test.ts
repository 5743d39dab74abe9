import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AttachmentError,
  downloadToInbox,
  notReceived,
  safeFileName,
} from '../../src/channels/attachments.js';

describe('safeFileName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\windows\\system.ini', 'system.ini'],
    ['..', 'file'],
    ['.', 'file'],
    ['...', 'file'],
    ['', 'file'],
    [undefined, 'file'],
    ['.bashrc', 'bashrc'],
    ['a\u0000b\nc\rd.txt', 'a_b_c_d.txt'],
    ['invoice\u202Efdp.exe', 'invoice_fdp.exe'],
    ['zero\u200Bwidth.txt', 'zero_width.txt'],
    ['CON', '_CON'],
    ['nul.txt', '_nul.txt'],
    ['what?<>:"|*.txt', 'what_______.txt'],
    ['name. . .', 'name'],
    ['a\uD800b.txt', 'a_b.txt'],
    ['фото 😀.jpg', 'фото 😀.jpg'],
  ])('%j → %j', (input, expected) => {
    expect(safeFileName(input)).toBe(expected);
  });

  it('bounds the length in bytes and keeps the extension', () => {
    const name = safeFileName('ж'.repeat(500) + '.png');
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(120);
    expect(name.endsWith('.png')).toBe(true);
    expect(name).toMatch(/^ж+\.png$/);
  });

  it('never cuts an emoji in half when shortening', () => {
    const name = safeFileName('😀'.repeat(100));
    expect(name).toMatch(/^(😀)+$/u);
  });
});

describe('downloadToInbox', () => {
  let server: Server;
  let base: string;
  let dir: string;
  const bodies: Record<string, { body: Buffer; length?: string; status?: number }> = {
    '/small': { body: Buffer.from('hello') },
    '/big': { body: Buffer.alloc(50_000, 1) },
    '/lying': { body: Buffer.alloc(50_000, 2), length: '10' },
    '/missing': { body: Buffer.from('nope'), status: 404 },
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const entry = bodies[req.url ?? ''];
      if (!entry) return void res.writeHead(404).end();
      if (entry.length) {
        // A lying Content-Length: send more than announced by switching to chunked by hand.
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(entry.body);
        return;
      }
      res.writeHead(entry.status ?? 200, { 'content-length': entry.body.length });
      res.end(entry.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'omniclaw-attach-'));
  });

  it('saves a file under a safe name in the inbox', async () => {
    const inbox = join(dir, 'inbox');
    const saved = await downloadToInbox({
      inbox,
      file: { name: '../../secret.txt' },
      locate: () => ({ url: `${base}/small` }),
      label: 'test file',
    });
    expect(saved).toEqual({ name: 'secret.txt', file: 'secret.txt', mime: undefined, size: 5 });
    expect(await readFile(join(inbox, 'secret.txt'), 'utf8')).toBe('hello');
    // Readable by any sandbox uid, writable by the host only, whatever the umask.
    expect((await stat(inbox)).mode & 0o777).toBe(0o755);
    expect((await stat(join(inbox, 'secret.txt'))).mode & 0o777).toBe(0o644);
    await rm(dir, { recursive: true });
  });

  it('gives a second file with the same name a unique name', async () => {
    const inbox = join(dir, 'inbox');
    const photo = (label: string) =>
      downloadToInbox({
        inbox,
        file: { name: 'photo.jpg' },
        locate: () => ({ url: `${base}/small` }),
        label,
      });
    const a = await photo('a');
    const b = await photo('b');
    expect([a.file, b.file]).toEqual(['photo.jpg', 'photo-1.jpg']);
    expect([a.name, b.name]).toEqual(['photo.jpg', 'photo.jpg']);
    await rm(dir, { recursive: true });
  });

  it('refuses a file announced as too large without locating or downloading it', async () => {
    const inbox = join(dir, 'inbox');
    const located: string[] = [];
    const attempt = downloadToInbox({
      inbox,
      file: { name: 'x.bin', size: 10_000_000 },
      locate: () => (located.push('x.bin'), { url: `${base}/small` }),
      label: 'huge file',
      limits: { maxBytes: 1000 },
    });
    await expect(attempt).rejects.toMatchObject({
      reason: 'too-large',
      message: /huge file is 10000000 bytes/,
      note: 'over the 1000 bytes limit',
    });
    expect(located).toEqual([]);
    await rm(dir, { recursive: true });
  });

  it('refuses a file whose located size (Telegram getFile) is too large, before downloading it', async () => {
    const inbox = join(dir, 'inbox');
    const attempt = downloadToInbox({
      inbox,
      file: { name: 'x.bin' },
      locate: () => ({ url: `${base}/small`, size: 5000 }),
      label: 'big file',
      limits: { maxBytes: 1000 },
    });
    await expect(attempt).rejects.toMatchObject({ reason: 'too-large', message: /big file is 5000 bytes/ });
    expect(await readdir(dir)).toEqual([]);
    await rm(dir, { recursive: true });
  });

  it('stops a download whose body exceeds the limit and leaves no partial file', async () => {
    const inbox = join(dir, 'inbox');
    for (const path of ['/big', '/lying']) {
      const attempt = downloadToInbox({
        inbox,
        file: { name: 'x.bin' },
        locate: () => ({ url: `${base}${path}` }),
        label: 'f',
        limits: { maxBytes: 1000 },
      });
      await expect(attempt).rejects.toBeInstanceOf(AttachmentError);
    }
    expect(await readdir(inbox)).toEqual([]);
    await rm(dir, { recursive: true });
  });

  it('reports an HTTP error without the URL', async () => {
    const attempt = downloadToInbox({
      inbox: join(dir, 'inbox'),
      file: { name: 'x' },
      locate: () => ({ url: `${base}/missing?token=SECRET` }),
      label: 'doc',
    });
    await expect(attempt).rejects.toThrow(/doc: download failed with HTTP 404/);
    await expect(attempt).rejects.not.toThrow(/SECRET/);
    await rm(dir, { recursive: true });
  });

  it('reports a dead server without the URL', async () => {
    const attempt = downloadToInbox({
      inbox: join(dir, 'inbox'),
      file: { name: 'x' },
      locate: () => ({ url: 'http://127.0.0.1:1/bot123:SECRET/x' }),
      label: 'doc',
    });
    await expect(attempt).rejects.toThrow(/doc: download failed/);
    await expect(attempt).rejects.not.toThrow(/SECRET/);
    await rm(dir, { recursive: true });
  });

  it('refuses an inbox that is a symlink', async () => {
    const elsewhere = join(dir, 'elsewhere');
    await mkdir(elsewhere);
    await symlink(elsewhere, join(dir, 'inbox'));
    const attempt = downloadToInbox({
      inbox: join(dir, 'inbox'),
      file: { name: 'x' },
      locate: () => ({ url: `${base}/small` }),
      label: 'doc',
    });
    await expect(attempt).rejects.toMatchObject({ reason: 'unsafe-folder' });
    expect(await readdir(elsewhere)).toEqual([]);
    await rm(dir, { recursive: true });
  });

  it('does not write through a symlink planted at the file name', async () => {
    const inbox = join(dir, 'inbox');
    await mkdir(inbox);
    await writeFile(join(dir, 'target'), 'original');
    await symlink(join(dir, 'target'), join(inbox, 'photo.jpg'));
    const saved = await downloadToInbox({
      inbox,
      file: { name: 'photo.jpg' },
      locate: () => ({ url: `${base}/small` }),
      label: 'doc',
    });
    expect(saved.file).toBe('photo-1.jpg');
    expect(await readFile(join(dir, 'target'), 'utf8')).toBe('original');
    await rm(dir, { recursive: true });
  });

  it('refuses an inbox whose parent is a symlink', async () => {
    const elsewhere = join(dir, 'elsewhere');
    await mkdir(join(elsewhere, 'agent'), { recursive: true });
    await symlink(elsewhere, join(dir, 'inbox'));
    const attempt = downloadToInbox({
      inbox: join(dir, 'inbox', 'agent'),
      file: { name: 'x' },
      locate: () => ({ url: `${base}/small` }),
      label: 'doc',
    });
    await expect(attempt).rejects.toMatchObject({ reason: 'unsafe-folder', note: 'it could not be saved' });
    expect(await readdir(join(elsewhere, 'agent'))).toEqual([]);
    await rm(dir, { recursive: true });
  });

  it('makes an inbox that others could write private to the host again', async () => {
    const inbox = join(dir, 'inbox');
    await mkdir(inbox);
    await chmod(inbox, 0o777);
    await downloadToInbox({
      inbox,
      file: { name: 'a.txt' },
      locate: () => ({ url: `${base}/small` }),
      label: 'doc',
    });
    expect((await stat(inbox)).mode & 0o777).toBe(0o755);
    await rm(dir, { recursive: true });
  });

  it('refuses a relative inbox', async () => {
    await expect(
      downloadToInbox({
        inbox: 'inbox',
        file: { name: 'x' },
        locate: () => ({ url: `${base}/small` }),
        label: 'doc',
      }),
    ).rejects.toMatchObject({
      reason: 'unsafe-folder',
    });
  });
});

describe('what the agent is told about a file that did not arrive', () => {
  it('keeps the safe name, the size and a short reason; never the detail', () => {
    const tooBig = new AttachmentError(
      'x is 12 bytes, over … (url with token)',
      'too-large',
      'over the 10 MB limit',
    );
    expect(notReceived('../photo.jpg', tooBig, 12 * 1024 * 1024)).toEqual({
      name: 'photo.jpg',
      notReceived: 'over the 10 MB limit',
      size: 12 * 1024 * 1024,
    });
    expect(notReceived(undefined, new Error('ECONNRESET https://api/file/bot123:SECRET'))).toEqual({
      name: 'attachment',
      notReceived: 'the download failed',
    });
  });
});
