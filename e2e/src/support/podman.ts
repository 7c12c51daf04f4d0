import { execFile } from 'node:child_process';
import { E2eError } from './errors.js';

/**
 * `podman run` flags every certscrape container gets here, as a restricted pod would run it:
 * - `--network=host`: no CNI on these machines; the control plane and targets are on loopback;
 * - `--runtime runc`: crun 1.8 refuses some hosts' hybrid cgroups;
 * - explicit `--ulimit`s: podman's default NOFILE raise needs a capability some VMs lack;
 * - read-only root filesystem with no tmpfs added (`readOnlyRootFilesystem: true`), every
 *   capability dropped, no privilege escalation; the user is the image's own (non-root).
 */
export const PODMAN_RUN_FLAGS: readonly string[] = [
  '--network=host',
  '--runtime',
  'runc',
  '--ulimit',
  'nofile=20000:20000',
  '--ulimit',
  'nproc=32768:32768',
  '--read-only',
  '--read-only-tmpfs=false',
  '--cap-drop=ALL',
  '--security-opt=no-new-privileges',
];

/** The local tag `npm run images` gives `app` (published as ghcr.io/certscrape/<app>:<version>). */
export function localImage(app: string, version: string): string {
  return `localhost/certscrape/${app}:${version}`;
}

/** A host file bind-mounted read-only at `target` (a pod's Secret/ConfigMap volume). */
export interface Mount {
  readonly source: string;
  readonly target: string;
}

/** Outcome of a podman command. */
export interface PodmanResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `podman <args>`; resolves with the exit code and output (never rejects on a non-zero exit). */
export function podman(args: readonly string[], timeoutMs = 120_000): Promise<PodmanResult> {
  return new Promise((resolve, reject) => {
    execFile('podman', args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new E2eError('E2E_ERR_COMMAND', `podman ${args.join(' ')}: ${error.message}`, { cause: error }));
        return;
      }
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

function mountFlags(mounts: readonly Mount[]): string[] {
  return mounts.flatMap((m) => ['--volume', `${m.source}:${m.target}:ro`]);
}

/** `podman run --rm` of `image` with `args` (the app's flags: the image's ENTRYPOINT runs the bin). */
export function runOnce(image: string, args: readonly string[], mounts: readonly Mount[] = []): Promise<PodmanResult> {
  return podman(['run', '--rm', ...PODMAN_RUN_FLAGS, ...mountFlags(mounts), image, ...args]);
}

/** A detached container started by a test; {@link Container.stop} it, then {@link Container.remove} it. */
export class Container {
  private constructor(readonly name: string) {}

  /** `podman run -d --name <name>` of `image` with `args`; fails with E2E_ERR_COMMAND when podman refuses. */
  static async start(name: string, image: string, args: readonly string[], mounts: readonly Mount[] = []): Promise<Container> {
    await podman(['rm', '--force', '--ignore', name]);
    const r = await podman(['run', '--detach', '--name', name, ...PODMAN_RUN_FLAGS, ...mountFlags(mounts), image, ...args]);
    if (r.code !== 0) throw new E2eError('E2E_ERR_COMMAND', `podman run ${name} failed (${r.code}): ${r.stderr.trim()}`);
    return new Container(name);
  }

  /** Its output so far (stdout and stderr). */
  async logs(): Promise<string> {
    const r = await podman(['logs', this.name]);
    return r.stdout + r.stderr;
  }

  /** True while the container runs; throws E2E_ERR_PROCESS_EXITED (with its logs) once it has exited. */
  async assertRunning(): Promise<true> {
    const r = await podman(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}}', this.name]);
    if (r.stdout.startsWith('true')) return true;
    throw new E2eError('E2E_ERR_PROCESS_EXITED', `container ${this.name} exited (${r.stdout.trim()}):\n${(await this.logs()).slice(-4000)}`);
  }

  /**
   * `podman stop --time <graceSeconds>`: SIGTERM to PID 1 (tini), SIGKILL after the grace period
   * (exit code 137). Returns the exit code and how long the stop took.
   */
  async stop(graceSeconds: number): Promise<{ exitCode: number; elapsedMs: number }> {
    const started = Date.now();
    await podman(['stop', '--time', String(graceSeconds), this.name], (graceSeconds + 60) * 1000);
    const elapsedMs = Date.now() - started;
    const r = await podman(['inspect', '--format', '{{.State.ExitCode}}', this.name]);
    return { exitCode: Number(r.stdout.trim()), elapsedMs };
  }

  /** Removes it (killing it first if still running); idempotent. */
  async remove(): Promise<void> {
    await podman(['rm', '--force', '--ignore', this.name]);
  }
}
