import { mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProjectedVolume } from './projected-volume.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('ProjectedVolume (kubelet-style ..data swap)', () => {
  it('exposes each key as a symlink through ..data, and a new write swaps every key at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-volume-'));
    dirs.push(dir);
    const v = new ProjectedVolume(dir);
    await v.write({ 'tls.crt': 'cert-1', 'tls.key': 'key-1' });
    expect(await readlink(join(dir, 'tls.crt'))).toBe(join('..data', 'tls.crt'));
    const first = await readlink(join(dir, '..data'));
    await v.write({ 'tls.crt': 'cert-2', 'tls.key': 'key-2' });
    expect(await readlink(join(dir, '..data'))).not.toBe(first);
    expect([await readFile(v.path('tls.crt'), 'utf8'), await readFile(v.path('tls.key'), 'utf8')]).toEqual(['cert-2', 'key-2']);
  });

  it('removes the previous version directory and leaves no temporary link', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-volume-'));
    dirs.push(dir);
    const v = new ProjectedVolume(dir);
    await v.write({ a: '1' });
    await v.write({ a: '2' });
    await v.write({ a: '3' });
    const entries = (await readdir(dir)).sort();
    expect(entries.filter((e) => e.startsWith('..') && e !== '..data')).toHaveLength(1);
    expect(entries).not.toContain('..data_tmp');
    expect(await readFile(v.path('a'), 'utf8')).toBe('3');
  });
});
