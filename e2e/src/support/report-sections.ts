import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * e2e/results/latest.json is written by more than one e2e file (the outage scenario, the CA
 * rotation, the fault matrix), each owning some top-level keys. Vitest runs the files one after
 * another but in no fixed order, so each writer replaces only its own keys and keeps the rest.
 * The write is atomic (temporary file + rename): a reader never sees half a report.
 */
export async function writeReportSections(path: string, sections: Readonly<Record<string, unknown>>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const merged = { ...(await readReportObject(path)), ...sections };
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(merged, null, 2)}\n`);
  await rename(tmp, path);
}

/** The report as an object: `{}` when the file is missing; a file that is not a JSON object is an error (never silently dropped). */
export async function readReportObject(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${path}: not a JSON object`);
  return value as Record<string, unknown>;
}
