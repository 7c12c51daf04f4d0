import { mkdir, mkdtemp, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A directory laid out like a Kubernetes Secret/ConfigMap volume and updated the way the kubelet
 * does it: the files go into a fresh `..<timestamp>` directory, the `..data` symlink is swapped
 * atomically (rename over it), and each key is a symlink to `..data/<key>`; the previous version
 * directory is removed afterwards. Readers therefore see exactly what they would see in a pod,
 * including the moment a file watcher on the key misses (the key's own link never changes).
 */
export class SecretVolume {
  readonly dir: string;
  #generation = 0;

  /** A volume at `dir` (created on the first {@link update}). */
  constructor(dir: string) {
    this.dir = dir;
  }

  /** Creates the volume at `dir` (default: a fresh temp dir) with its first generation of files. */
  static async create(dir: string | undefined, files: Readonly<Record<string, string | Uint8Array>>, options: { readonly mode?: number } = {}): Promise<SecretVolume> {
    const volume = new SecretVolume(dir ?? (await mkdtemp(join(tmpdir(), 'certscrape-volume-'))));
    await volume.update(files, options);
    return volume;
  }

  /** Path of `key` as a pod would mount it (`<dir>/<key>`). */
  path(key: string): string {
    return join(this.dir, key);
  }

  /**
   * Publishes `files` atomically (all keys change together). Mode 0600 by default (secrets);
   * keys absent from a later write keep their link, which then dangles, as in a pod.
   */
  async update(files: Readonly<Record<string, string | Uint8Array>>, options: { readonly mode?: number } = {}): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.#generation += 1;
    const stamp = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${process.pid}.${this.#generation}`;
    await mkdir(join(this.dir, stamp));
    for (const [key, content] of Object.entries(files)) await writeFile(join(this.dir, stamp, key), content, { mode: options.mode ?? 0o600 });
    const dataLink = join(this.dir, '..data');
    const previous = await readlink(dataLink).catch(() => undefined);
    const tmpLink = join(this.dir, '..data_tmp');
    await rm(tmpLink, { force: true });
    await symlink(stamp, tmpLink);
    await rename(tmpLink, dataLink);
    for (const key of Object.keys(files)) {
      await symlink(join('..data', key), join(this.dir, key)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
    }
    if (previous && previous !== stamp) await rm(join(this.dir, previous), { recursive: true, force: true });
  }

  /** Removes the whole directory. */
  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
