import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A directory laid out like a Kubernetes Secret/ConfigMap volume, updated the way the kubelet
 * does it: files go into a fresh `..<timestamp>` directory, then the `..data` symlink is swapped
 * atomically (rename), and each `key` is a symlink to `..data/key`. Readers (Prometheus, the
 * scraper-proxy, target-auth) therefore see the same thing they would see in a pod.
 */
export class ProjectedVolume {
  readonly dir: string;
  #generation = 0;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Path of `key` as a pod would mount it (`<dir>/<key>`). */
  path(key: string): string {
    return join(this.dir, key);
  }

  /** Publishes `files` atomically (all keys change together); mode 0600 for secrets, 0644 otherwise. */
  async write(files: Readonly<Record<string, string>>, options: { mode?: number } = {}): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.#generation += 1;
    const stamp = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${this.#generation}`;
    const versionDir = join(this.dir, stamp);
    await mkdir(versionDir);
    for (const [key, content] of Object.entries(files)) {
      await writeFile(join(versionDir, key), content, { mode: options.mode ?? 0o644 });
    }
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
}
