import { SecretVolume } from '@certscrape/local-cluster/testing';

/**
 * A directory laid out like a Kubernetes Secret/ConfigMap volume, updated the way the kubelet
 * does it (the test kit's SecretVolume: a fresh `..<timestamp>` directory, an atomic `..data`
 * swap, each key a symlink to `..data/key`). Readers (Prometheus, the scraper-proxy, target-auth)
 * therefore see the same thing they would see in a pod.
 */
export class ProjectedVolume extends SecretVolume {
  /** Publishes `files` atomically (all keys change together); mode 0600 for secrets, 0644 otherwise (the default). */
  write(files: Readonly<Record<string, string>>, options: { mode?: number } = {}): Promise<void> {
    return this.update(files, { mode: options.mode ?? 0o644 });
  }
}
