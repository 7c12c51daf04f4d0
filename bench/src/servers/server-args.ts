import { readFileSync } from 'node:fs';

/** Configuration a benchmark server process receives as one JSON argument. */
export interface ServerArgs {
  readonly port: number;
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile?: string;
  readonly bodyFile: string;
  readonly user?: string;
}

/** Reads the JSON argument and the body every server serves. */
export function readServerArgs(): { args: ServerArgs; body: Buffer } {
  const args = JSON.parse(process.argv[2] ?? '{}') as ServerArgs;
  return { args, body: readFileSync(args.bodyFile) };
}

/** Tells the parent the server listens: one line on stdout. */
export function announceReady(port: number): void {
  process.stdout.write(`READY ${port}\n`);
}
