import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One reported figure: `bench/results/latest.json` is `{ metrics: Metric[] }`. */
export interface Metric {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly detail?: Record<string, unknown>;
}

/** Collects metrics across benchmarks, prints them as a table and writes the JSON report. */
export class Results {
  readonly metrics: Metric[] = [];

  add(name: string, value: number, unit: string, detail?: Record<string, unknown>): void {
    this.metrics.push({ name, value, unit, ...(detail ? { detail } : {}) });
    process.stdout.write(`  ${name.padEnd(44)} ${String(value).padStart(12)} ${unit}\n`);
  }

  write(file: string, meta: Record<string, unknown>): void {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ ...meta, metrics: this.metrics }, null, 2) + '\n');
  }

  table(): string {
    const rows = this.metrics.map((m) => `| ${m.name} | ${m.value} | ${m.unit} |`);
    return ['| metric | value | unit |', '| --- | ---: | --- |', ...rows].join('\n');
  }
}
