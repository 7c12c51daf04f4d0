import { execFile } from 'node:child_process';
import { E2eError } from './errors.js';
import { runCommand, runCommandSync, runCommandSyncOutput, type Argv } from './run-command.js';

/**
 * Where the targets live: a network namespace joined to the host by a veth pair with a /30.
 * The host side address is where kube-apiserver binds (`bindAddress`), so the namespace
 * reaches kube-apiserver only through this link — and the cut drops exactly that traffic.
 */
export interface NetnsPlan {
  /** `certscrape-e2e-<pid>`. */
  readonly name: string;
  /** Host-side veth interface (<= 15 chars). */
  readonly hostInterface: string;
  /** Namespace-side veth interface (<= 15 chars). */
  readonly nsInterface: string;
  /** Host-side address, e.g. 10.213.0.1. */
  readonly hostAddress: string;
  /** Namespace-side address, e.g. 10.213.0.2. */
  readonly nsAddress: string;
  readonly prefixLength: 30;
}

/**
 * The plan for this process: names carry the pid (so parallel runs never collide and
 * strays are attributable), addresses are a /30 in 10.213.0.0/16 derived from the pid.
 */
export function netnsPlan(pid: number): NetnsPlan {
  const block = pid % (256 * 64);
  const third = block >> 6;
  const fourth = (block & 63) << 2;
  return {
    name: `certscrape-e2e-${pid}`,
    hostInterface: `cse${pid}h`.slice(0, 15),
    nsInterface: `cse${pid}n`.slice(0, 15),
    hostAddress: `10.213.${third}.${fourth + 1}`,
    nsAddress: `10.213.${third}.${fourth + 2}`,
    prefixLength: 30,
  };
}

/** The commands that create the namespace and the link, in order. */
export function setupCommands(plan: NetnsPlan): Argv[] {
  const { name, hostInterface: h, nsInterface: n, prefixLength: p } = plan;
  return [
    ['ip', 'netns', 'add', name],
    ['ip', 'link', 'add', h, 'type', 'veth', 'peer', 'name', n],
    ['ip', 'link', 'set', n, 'netns', name],
    ['ip', 'addr', 'add', `${plan.hostAddress}/${p}`, 'dev', h],
    ['ip', 'link', 'set', h, 'up'],
    ['ip', '-n', name, 'addr', 'add', `${plan.nsAddress}/${p}`, 'dev', n],
    ['ip', '-n', name, 'link', 'set', n, 'up'],
    ['ip', '-n', name, 'link', 'set', 'lo', 'up'],
  ];
}

/** The commands that remove everything again (each may fail harmlessly when already gone). */
export function teardownCommands(plan: NetnsPlan): Argv[] {
  return [
    ['ip', 'netns', 'del', plan.name],
    ['ip', 'link', 'del', plan.hostInterface],
  ];
}

/** Prefix that runs a command inside the namespace. */
export function inNamespace(plan: NetnsPlan, argv: Argv): Argv {
  return ['ip', 'netns', 'exec', plan.name, ...argv];
}

const CUT_COMMENT = 'certscrape-e2e-cut';

/** The iptables rule (inside the namespace) that drops every packet to `address:port`; `-I` adds, `-D` removes. */
export function cutRuleCommand(plan: NetnsPlan, action: '-I' | '-D', address: string, port: number): Argv {
  return inNamespace(plan, ['iptables', '-w', action, 'OUTPUT', '-d', `${address}/32`, '-p', 'tcp', '--dport', String(port), '-m', 'comment', '--comment', CUT_COMMENT, '-j', 'DROP']);
}

/** A live namespace created from a plan. */
export class NetworkNamespace {
  readonly plan: NetnsPlan;
  #cuts: { address: string; port: number }[] = [];

  private constructor(plan: NetnsPlan) {
    this.plan = plan;
  }

  /** Creates the namespace and veth pair (root only); on a partial failure removes what it made. */
  static async create(plan: NetnsPlan): Promise<NetworkNamespace> {
    if (process.getuid?.() !== 0) throw new E2eError('E2E_ERR_NOT_ROOT', 'network namespaces need root (ip netns add)');
    try {
      for (const argv of setupCommands(plan)) await runCommand(argv);
    } catch (cause) {
      for (const argv of teardownCommands(plan)) runCommandSync(argv);
      throw new E2eError('E2E_ERR_NETNS', `cannot create network namespace ${plan.name}: ${(cause as Error).message}`, { cause });
    }
    return new NetworkNamespace(plan);
  }

  /** Argv that runs `argv` inside the namespace. */
  exec(argv: Argv): Argv {
    return inNamespace(this.plan, argv);
  }

  /** Drops the namespace's traffic to `address:port` (kube-apiserver). */
  async cut(address: string, port: number): Promise<void> {
    await runCommand(cutRuleCommand(this.plan, '-I', address, port));
    this.#cuts.push({ address, port });
  }

  /** Removes every cut rule again. */
  async restore(): Promise<void> {
    for (const c of this.#cuts.splice(0)) await runCommand(cutRuleCommand(this.plan, '-D', c.address, c.port));
  }

  /** The active iptables rules of the namespace's OUTPUT chain (for the narrator and checks). */
  async outputRules(): Promise<string> {
    return runCommand(this.exec(['iptables', '-w', '-S', 'OUTPUT']));
  }

  /**
   * Whether a TCP+TLS connection from inside the namespace reaches `url` within `timeoutSeconds`
   * (any HTTP answer counts, even 401): curl run inside the namespace. Returns curl's verdict.
   */
  async reaches(url: string, timeoutSeconds = 2): Promise<{ reached: boolean; detail: string }> {
    const argv = this.exec(['curl', '-sk', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', String(timeoutSeconds), url]);
    return new Promise((resolve) => {
      execFile(argv[0], argv.slice(1), { timeout: (timeoutSeconds + 5) * 1000 }, (error, stdout) => {
        if (!error) resolve({ reached: true, detail: `HTTP ${String(stdout).trim()}` });
        else {
          const code = typeof error.code === 'number' ? error.code : undefined;
          resolve({ reached: false, detail: code === 28 ? `no answer in ${timeoutSeconds}s (curl timeout)` : `curl exit ${code ?? error.message}` });
        }
      });
    });
  }

  /** Pids still running inside the namespace. */
  async pids(): Promise<number[]> {
    const out = await runCommand(['ip', 'netns', 'pids', this.plan.name]).catch(() => '');
    return out.split(/\s+/).filter(Boolean).map(Number);
  }

  /** Kills what still runs inside (by pid), removes rules, namespace and link. */
  async destroy(): Promise<void> {
    for (const pid of await this.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    this.#cuts = [];
    for (const argv of teardownCommands(this.plan)) await runCommand(argv).catch(() => undefined);
  }

  /** Synchronous variant of destroy for process-exit hooks. */
  destroySync(): void {
    const out = runCommandSyncOutput(['ip', 'netns', 'pids', this.plan.name]);
    for (const pid of out.split(/\s+/).filter(Boolean).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    for (const argv of teardownCommands(this.plan)) runCommandSync(argv);
  }
}
