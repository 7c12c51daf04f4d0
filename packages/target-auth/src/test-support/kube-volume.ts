// A Kubernetes-style ConfigMap/Secret volume on a real temp dir: files are symlinks through
// `..data`, which is swapped atomically by renaming a new symlink over it (like the kubelet).
import { mkdir, mkdtemp, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class KubeVolume {
  #version = 0;
  private constructor(readonly dir: string) {}

  /** Creates the volume with `files` (name -> content). */
  static async create(files: Record<string, string>): Promise<KubeVolume> {
    const v = new KubeVolume(await mkdtemp(join(tmpdir(), 'target-auth-vol-')));
    await v.swap(files, true);
    return v;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Atomically replaces the volume's content via a `..data` symlink swap. */
  async swap(files: Record<string, string>, first = false): Promise<void> {
    const ts = `..2026_11_29_${String(++this.#version).padStart(4, '0')}`;
    await mkdir(join(this.dir, ts));
    for (const [name, content] of Object.entries(files)) await writeFile(join(this.dir, ts, name), content);
    const old = first ? undefined : await readlink(join(this.dir, '..data'));
    await symlink(ts, join(this.dir, '..data_tmp'));
    await rename(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    if (first) for (const name of Object.keys(files)) await symlink(join('..data', name), join(this.dir, name));
    if (old !== undefined) await rm(join(this.dir, old), { recursive: true, force: true });
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
