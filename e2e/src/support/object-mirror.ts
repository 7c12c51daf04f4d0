import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ProjectedVolume } from './projected-volume.js';
import { waitFor } from './wait-for.js';

/** Which object to mirror into a volume directory. */
export interface MirrorOptions {
  readonly kind: 'Secret' | 'ConfigMap';
  readonly namespace: string;
  readonly name: string;
  /** Keys that must all be present and non-empty before anything is published. */
  readonly keys: readonly string[];
  /** Admin kubeconfig used to read the object (the kubelet's role). */
  readonly kubeconfig: string;
  /** Where the volume lives. */
  readonly dir: string;
  /** Poll period; default 250 ms (a kubelet syncs within ~a minute; the e2e wants seconds). */
  readonly intervalMs?: number;
  /** Called after every publication, with the published content. */
  readonly onChange?: (data: Readonly<Record<string, string>>) => void;
  /** How long to wait for the first complete content; default 60 000 ms. */
  readonly firstTimeoutMs?: number;
}

/**
 * Plays the kubelet for one Secret/ConfigMap volume: reads the object, and whenever its
 * content changes publishes it into a {@link ProjectedVolume} (atomic `..data` swap). When
 * kube-apiserver is unreachable it keeps what it has — exactly what a mounted volume does.
 */
export class ObjectMirror {
  readonly volume: ProjectedVolume;
  readonly #options: MirrorOptions;
  readonly #core: CoreV1Api;
  #current: Record<string, string> | undefined;
  #publications = 0;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  private constructor(options: MirrorOptions) {
    this.#options = options;
    this.volume = new ProjectedVolume(options.dir);
    const kc = new KubeConfig();
    kc.loadFromFile(options.kubeconfig);
    this.#core = kc.makeApiClient(CoreV1Api);
  }

  /** Waits for the first complete content, publishes it, then keeps polling. */
  static async start(options: MirrorOptions): Promise<ObjectMirror> {
    const mirror = new ObjectMirror(options);
    await waitFor(async () => ((await mirror.#sync()) || mirror.#current ? true : undefined), {
      what: `${options.kind} ${options.namespace}/${options.name}`,
      timeoutMs: options.firstTimeoutMs ?? 60_000,
      intervalMs: 250,
    });
    mirror.#timer = setInterval(() => void mirror.#tick(), options.intervalMs ?? 250);
    return mirror;
  }

  /** The last published content. */
  get current(): Readonly<Record<string, string>> {
    return this.#current ?? {};
  }

  /** How many times content was published (1 after start; +1 per change). */
  get publications(): number {
    return this.#publications;
  }

  /** Path of a key inside the volume. */
  path(key: string): string {
    return this.volume.path(key);
  }

  /** Stops polling. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #tick(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      await this.#sync();
    } catch {
      // kube-apiserver unreachable: keep the last published content.
    } finally {
      this.#busy = false;
    }
  }

  /** Reads once; publishes when complete and different. Returns true when it published. */
  async #sync(): Promise<boolean> {
    const { kind, namespace, name, keys } = this.#options;
    let data: Record<string, string> = {};
    if (kind === 'Secret') {
      const secret = await this.#core.readNamespacedSecret({ name, namespace });
      for (const [k, v] of Object.entries(secret.data ?? {})) data[k] = Buffer.from(v, 'base64').toString('utf8');
    } else {
      const cm = await this.#core.readNamespacedConfigMap({ name, namespace });
      data = { ...(cm.data ?? {}) };
    }
    const picked: Record<string, string> = {};
    for (const k of keys) {
      const v = data[k];
      if (!v) return false;
      picked[k] = v;
    }
    if (this.#current && keys.every((k) => this.#current?.[k] === picked[k])) return false;
    await this.volume.write(picked, { mode: kind === 'Secret' ? 0o600 : 0o644 });
    this.#current = picked;
    this.#publications += 1;
    this.#options.onChange?.(picked);
    return true;
  }
}
