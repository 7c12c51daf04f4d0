import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A directory laid out exactly like a Kubernetes Secret volume (kubelet's AtomicWriter):
 * `dir/..<timestamp>/<file>` holds the content, `dir/..data -> ..<timestamp>`, and the user-visible
 * `dir/<file> -> ..data/<file>`. `update()` writes a new timestamped directory and swaps `..data` with a rename,
 * so readers see either the old or the new generation of every file, never a mix per file.
 */
export class SecretVolume {
  private generation = 0;
  private constructor(readonly dir: string) {}

  /** Creates the volume with its first generation of files. */
  static async create(dir: string, files: Record<string, string | Uint8Array>): Promise<SecretVolume> {
    await mkdir(dir, { recursive: true });
    const volume = new SecretVolume(dir);
    await volume.update(files);
    return volume;
  }

  /** The user-visible path of a file (what a container mounts and a proxy is configured with). */
  path(name: string): string {
    return join(this.dir, name);
  }

  /** Atomically replaces the content of all files, as kubelet does when the Secret changes. */
  async update(files: Record<string, string | Uint8Array>): Promise<void> {
    const now = new Date();
    const stamp = `..${now.toISOString().replace(/[-:T]/g, '_').replace(/\..*/, '')}.${process.pid}${String(++this.generation).padStart(6, '0')}`;
    const genDir = join(this.dir, stamp);
    await mkdir(genDir);
    for (const [name, content] of Object.entries(files)) await writeFile(join(genDir, name), content, { mode: 0o600 });
    let previous: string | undefined;
    try {
      previous = await readlink(join(this.dir, '..data'));
    } catch {
      previous = undefined;
    }
    const tmp = join(this.dir, '..data_tmp');
    await rm(tmp, { force: true });
    await symlink(stamp, tmp);
    await rename(tmp, join(this.dir, '..data'));
    for (const name of Object.keys(files)) {
      try {
        await symlink(join('..data', name), join(this.dir, name));
      } catch (e) {
        if ((e as { code?: string }).code !== 'EEXIST') throw e;
      }
    }
    if (previous !== undefined && previous !== stamp) await rm(join(this.dir, previous), { recursive: true, force: true });
  }
}
