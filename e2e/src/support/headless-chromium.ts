// Debian's chromium, headless, from its command line (no npm browser package): a screenshot or the
// DOM after load of a local file. Offline by construction: every background fetch is switched off
// and each call gets a fresh profile directory, removed afterwards.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCommand } from './run-command.js';

/** The flags every run gets (besides a fresh --user-data-dir). */
export const CHROMIUM_FLAGS: readonly string[] = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--hide-scrollbars',
  '--force-device-scale-factor=1',
]);

/** Options of the chromium calls. */
export interface ChromiumOptions {
  /** Executable; default `chromium` (Debian's package, installed by scripts/ensure-deps.sh). */
  readonly binary?: string;
  /** Viewport, px; default 1280x2000. */
  readonly width?: number;
  readonly height?: number;
  /** Default 120 s: a cold start on a loaded 2-core machine takes seconds, not minutes. */
  readonly timeoutMs?: number;
}

async function run(options: ChromiumOptions, args: readonly string[]): Promise<string> {
  const profile = await mkdtemp(join(tmpdir(), 'certscrape-chromium-'));
  try {
    return await runCommand(
      [options.binary ?? 'chromium', ...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, `--window-size=${options.width ?? 1280},${options.height ?? 2000}`, ...args],
      { timeoutMs: options.timeoutMs ?? 120_000 },
    );
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** Renders `htmlFile` and writes a PNG of the viewport to `pngFile`. */
export async function screenshot(htmlFile: string, pngFile: string, options: ChromiumOptions = {}): Promise<void> {
  await run(options, [`--screenshot=${pngFile}`, pathToFileURL(htmlFile).href]);
}

/** Renders `htmlFile` (running its scripts, if any) and returns the serialized DOM. */
export async function dumpDom(htmlFile: string, options: ChromiumOptions = {}): Promise<string> {
  return run(options, ['--dump-dom', pathToFileURL(htmlFile).href]);
}
