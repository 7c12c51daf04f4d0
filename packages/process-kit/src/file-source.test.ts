import { mkdir, mkdtemp, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSource } from './file-source.js';

const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

/** A Kubernetes-style projected volume: files are links into `..data`, which is swapped atomically. */
async function secretVolume(files: Record<string, string>) {
  const root = await mkdtemp(join(tmpdir(), 'file-source-'));
  roots.push(root);
  let gen = 0;
  const write = async (next: Record<string, string>) => {
    const dir = join(root, `..gen-${++gen}`);
    await mkdir(dir);
    for (const [k, v] of Object.entries(next)) await writeFile(join(dir, k), v);
    await symlink(`..gen-${gen}`, join(root, '..data_tmp'));
    await rename(join(root, '..data_tmp'), join(root, '..data'));
  };
  await write(files);
  for (const k of Object.keys(files)) await symlink(join('..data', k), join(root, k));
  return { path: (k: string) => join(root, k), swap: write, target: () => readlink(join(root, '..data')) };
}

const parsePair = ([a, b]: readonly Buffer[]) => {
  const [x, y] = [String(a), String(b)];
  if (!x.startsWith('cert-') || y !== x.replace('cert-', 'key-')) throw Object.assign(new Error('mismatch'), { code: 'TEST_ERR_MISMATCH' });
  return x;
};

describe('FileSource', () => {
  it('fails fast at open: unreadable (coded by the caller) or invalid (the validator error itself)', async () => {
    const vol = await secretVolume({ c: 'cert-1', k: 'key-2' });
    await expect(FileSource.open({ files: [vol.path('c'), vol.path('missing')], parse: parsePair, unreadable: (f) => Object.assign(new Error(f), { code: 'TEST_ERR_READ' }) })).rejects.toMatchObject({ code: 'TEST_ERR_READ' });
    await expect(FileSource.open({ files: [vol.path('c'), vol.path('missing')], parse: parsePair })).rejects.toMatchObject({ code: 'PROCESS_KIT_ERR_FILE_UNREADABLE' });
    await expect(FileSource.open({ files: [vol.path('c'), vol.path('k')], parse: parsePair })).rejects.toMatchObject({ code: 'TEST_ERR_MISMATCH' });
  });

  it('sees a ..data swap by polling alone, refuses a bad pair once, keeps the last good value, reports recovery', async () => {
    const vol = await secretVolume({ c: 'cert-1', k: 'key-1' });
    const src = await FileSource.open({ files: [vol.path('c'), vol.path('k')], parse: parsePair, watchHint: false });
    const events: string[] = [];
    src.on('change', (v) => events.push(`change:${v}`));
    src.on('refused', (r) => events.push(`refused:${r.reason}`));
    src.on('recovered', () => events.push('recovered'));
    expect(await src.check()).toBe('unchanged');
    await vol.swap({ c: 'cert-2', k: 'key-1' }); // a half-rotated pair
    for (let i = 0; i < 3; i++) expect(await src.check()).toBe('refused');
    expect(src.current).toBe('cert-1');
    await vol.swap({ c: 'cert-1', k: 'key-1' });
    expect(await src.check()).toBe('unchanged');
    await vol.swap({ c: 'cert-3', k: 'key-3' });
    expect(await src.check()).toBe('changed');
    expect(src.current).toBe('cert-3');
    expect(events).toEqual(['refused:invalid', 'recovered', 'change:cert-3']);
  });

  it('polls on its own once started (timer only, no watch) and stops', async () => {
    const vol = await secretVolume({ c: 'cert-1', k: 'key-1' });
    const src = await FileSource.open({ files: [vol.path('c'), vol.path('k')], parse: parsePair, watchHint: false, intervalMs: 20 });
    const changed = new Promise<string>((r) => src.once('change', r));
    src.start();
    await vol.swap({ c: 'cert-2', k: 'key-2' });
    expect(await changed).toBe('cert-2');
    await src.stop();
    expect(await src.check()).toBe('unchanged');
  });

  it('re-reads a pair torn by a write in progress instead of refusing it', async () => {
    const files: Record<string, string> = { c: 'cert-1', k: 'key-1' };
    let reads = 0;
    let tear = false;
    const readFile = async (p: string) => {
      reads++;
      const v = files[p] as string;
      if (tear && reads === 2) Object.assign(files, { c: 'cert-2', k: 'key-2' }); // lands between the two snapshots
      return Buffer.from(v);
    };
    const src = await FileSource.open({ files: ['c', 'k'], parse: parsePair, readFile });
    const refused: unknown[] = [];
    src.on('refused', (r) => refused.push(r));
    reads = 0;
    tear = true;
    expect(await src.check()).toBe('unstable');
    expect(await src.check()).toBe('changed');
    expect(refused).toEqual([]);
  });

  it('reports an unreadable file once per distinct failure, and a listener bug does not stop it', async () => {
    const files: Record<string, string | undefined> = { t: 'a' };
    const readFile = async (p: string) => {
      const v = files[p];
      if (v === undefined) throw Object.assign(new Error('gone'), { code: 'ENOENT' });
      return Buffer.from(v);
    };
    const src = await FileSource.open({ files: ['t'], parse: ([b]) => String(b), readFile });
    let refused = 0;
    src.on('refused', () => void refused++);
    src.on('change', () => {
      throw new Error('listener bug');
    });
    files['t'] = undefined;
    await src.check();
    await src.check();
    expect(refused).toBe(1);
    files['t'] = 'b';
    expect(await src.check()).toBe('changed');
    expect(src.current).toBe('b');
  });
});
