import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReportObject, writeReportSections } from './report-sections.js';

describe('writeReportSections', () => {
  it('creates the report, then replaces only the keys it is given', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'report-sections-')), 'results', 'latest.json');
    await writeReportSections(path, { cut: { ok: 1 }, rotation: 2 });
    await writeReportSections(path, { faults: { etcd: 3 }, rotation: 4 });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ cut: { ok: 1 }, rotation: 4, faults: { etcd: 3 } });
  });

  it('refuses to overwrite a file that is not a JSON object', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'report-sections-')), 'latest.json');
    await writeFile(path, '[1,2]');
    await expect(writeReportSections(path, { a: 1 })).rejects.toThrow(/not a JSON object/);
    await writeFile(path, '{"a":');
    await expect(readReportObject(path)).rejects.toThrow(SyntaxError);
  });
});
