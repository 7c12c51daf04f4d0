import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilePoller } from './file-poller.js';

describe('FilePoller', () => {
  it('reports a change once per new content, and survives a throwing consumer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'target-auth-poller-'));
    const file = join(dir, 'f');
    await writeFile(file, 'one');
    const changes: string[] = [];
    const errors: string[] = [];
    const p = new FilePoller({
      files: [file],
      watchHint: false,
      onChange: ([c]) => {
        changes.push(String(c));
        if (String(c) === 'boom') throw new Error('consumer bug');
      },
      onReadError: (e) => errors.push(e.message),
    });
    try {
      await p.check();
      await p.check();
      await writeFile(file, 'boom');
      await p.check();
      await writeFile(file, 'two');
      await p.check();
      expect(changes).toEqual(['one', 'boom', 'two']);
      expect(errors).toEqual(['consumer bug']);
    } finally {
      p.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
