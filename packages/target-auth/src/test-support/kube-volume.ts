import { SecretVolume } from '@certscrape/local-cluster/testing';

/**
 * The test kit's SecretVolume (the one `..data` writer) under the shape the sidecar drop-in test
 * still uses: `create(files)` in a fresh temp dir, `swap(files)` = `update(files)`. New tests use
 * SecretVolume directly; this goes once that test is migrated.
 */
export class KubeVolume {
  private constructor(private readonly volume: SecretVolume) {}

  static async create(files: Record<string, string>): Promise<KubeVolume> {
    return new KubeVolume(await SecretVolume.create(undefined, files));
  }

  get dir(): string {
    return this.volume.dir;
  }

  path(name: string): string {
    return this.volume.path(name);
  }

  swap(files: Record<string, string>): Promise<void> {
    return this.volume.update(files);
  }

  remove(): Promise<void> {
    return this.volume.remove();
  }
}
