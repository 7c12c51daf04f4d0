import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ProcessKitError } from './errors.js';
import { runMain } from './run-main.js';
import type { MainProgram } from './run-main.js';

/** A fake process: collects output and exit codes, delivers signals on demand. */
function fakeIo(args: string[]) {
  const emitter = new EventEmitter();
  const out: string[] = [];
  const err: string[] = [];
  const exits: number[] = [];
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((r) => (resolveExit = r));
  const proc = Object.assign(emitter, {
    exit: (code?: number) => {
      exits.push(code ?? 0);
      resolveExit(code ?? 0);
    },
  });
  return { io: { args, env: {}, stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, process: proc as never }, out, err, exits, exited, emitter };
}

const program = (overrides: Partial<MainProgram<{ n: number }>> = {}): MainProgram<{ n: number }> => ({
  name: 'certscrape-test',
  version: '1.2.3',
  startErrorCode: 'TEST_ERR_START',
  parse: (args) => {
    if (args.includes('--help')) return { kind: 'print', text: 'usage\n' };
    if (args.includes('--bad')) throw new ProcessKitError('PROCESS_KIT_ERR_FLAGS', "unknown option '--bad'");
    return { kind: 'run', config: { n: 1 }, logLevel: 'info' };
  },
  start: () => undefined,
  ...overrides,
});

describe('runMain', () => {
  it('--version prints "<name> <version>" and exits 0 before parsing', async () => {
    const f = fakeIo(['--bad', '--version']);
    await runMain(program(), f.io);
    expect(f.out.join('')).toBe('certscrape-test 1.2.3\n');
    expect(f.exits).toEqual([0]);
  });

  it('--help prints the help on stdout and exits 0', async () => {
    const f = fakeIo(['--help']);
    await runMain(program(), f.io);
    expect(f.out.join('')).toBe('usage\n');
    expect(f.exits).toEqual([0]);
  });

  it('a configuration error is ONE stderr line "name: CODE: message" and exit 2', async () => {
    const f = fakeIo(['--bad']);
    await runMain(program(), f.io);
    expect(f.err.join('')).toBe("certscrape-test: PROCESS_KIT_ERR_FLAGS: unknown option '--bad'\n");
    expect(f.out).toEqual([]);
    expect(f.exits).toEqual([2]);
  });

  it('a start failure logs it, closes what was opened, prints the one line and exits 1; secrets are redacted', async () => {
    const f = fakeIo([]);
    const closed: string[] = [];
    await runMain(
      program({
        start: (_c, ctx) => {
          ctx.onShutdown('first', () => void closed.push('first'));
          throw Object.assign(new Error('cannot use\n-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----'), { code: 'TEST_ERR_PAIR' });
        },
      }),
      f.io,
    );
    expect(f.exits).toEqual([1]);
    expect(f.err.join('')).toBe('certscrape-test: TEST_ERR_PAIR: cannot use [REDACTED]\n');
    expect(closed).toEqual(['first']);
    const logs = f.out.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs[0]).toMatchObject({ name: 'certscrape-test', msg: 'starting', version: '1.2.3' });
    expect(logs.find((l) => l['msg'] === 'cannot start')).toMatchObject({ code: 'TEST_ERR_PAIR' });
    expect(f.out.join('')).not.toContain('MIGHAgEAMBMGByqGSM49');
  });

  it('uses the bin start code for an uncoded start failure', async () => {
    const f = fakeIo([]);
    await runMain(program({ start: () => Promise.reject(new Error('port in use')) }), f.io);
    expect(f.err.join('')).toBe('certscrape-test: TEST_ERR_START: port in use\n');
    expect(f.exits).toEqual([1]);
  });

  it('SIGTERM closes resources in reverse order and exits 0', async () => {
    const f = fakeIo([]);
    const closed: string[] = [];
    await runMain(
      program({
        start: (_c, ctx) => {
          ctx.onShutdown('server', () => void closed.push('server'));
          ctx.onShutdown('watcher', async () => void closed.push('watcher'));
        },
      }),
      f.io,
    );
    expect(f.exits).toEqual([]);
    f.emitter.emit('SIGTERM');
    expect(await f.exited).toBe(0);
    expect(closed).toEqual(['watcher', 'server']);
  });

  it('a one-shot start that resolves { exitCode } exits with it after closing', async () => {
    const f = fakeIo([]);
    await runMain(program({ start: () => ({ exitCode: 3 }) }), f.io);
    expect(await f.exited).toBe(3);
  });

  it('context.exit stops gracefully with the given code (--exit-on-change)', async () => {
    const f = fakeIo([]);
    let exit: (reason: string, code: number) => void = () => undefined;
    await runMain(program({ start: (_c, ctx) => void (exit = ctx.exit) }), f.io);
    exit('certificate changed', 0);
    expect(await f.exited).toBe(0);
  });
});
