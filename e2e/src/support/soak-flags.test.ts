import { describe, expect, it } from 'vitest';
import { DEFAULT_SOAK_DURATION_S, parseSoakFlags, SOAK_HELP, SoakUsageError } from './soak-flags.js';

describe('parseSoakFlags', () => {
  it('with no flag the soak measures 30 minutes and leaves the rest to the defaults', () => {
    expect(parseSoakFlags([])).toEqual({
      help: false,
      keepWorkDir: false,
      reportPath: undefined,
      durationS: DEFAULT_SOAK_DURATION_S,
      warmupS: undefined,
      intervalSeconds: undefined,
      signingDurationSeconds: undefined,
      faultEveryS: undefined,
      faultS: undefined,
      loadPeriodMs: undefined,
    });
    expect(DEFAULT_SOAK_DURATION_S).toBeGreaterThanOrEqual(30 * 60);
  });

  it('durations take Go syntax or bare seconds', () => {
    const f = parseSoakFlags(['--duration', '35m', '--warmup=90s', '--interval', '2', '--signing-duration', '10m', '--fault-every', '2m30s', '--fault-duration', '20s', '--load-period-ms', '100', '--report', '/tmp/x.json', '--keep']);
    expect(f).toMatchObject({ durationS: 2100, warmupS: 90, intervalSeconds: 2, signingDurationSeconds: 600, faultEveryS: 150, faultS: 20, loadPeriodMs: 100, reportPath: '/tmp/x.json', keepWorkDir: true });
  });

  it('CERTSCRAPE_SOAK_DURATION sets the duration; the flag wins over it', () => {
    expect(parseSoakFlags([], { CERTSCRAPE_SOAK_DURATION: '3m' }).durationS).toBe(180);
    expect(parseSoakFlags(['--duration', '1h'], { CERTSCRAPE_SOAK_DURATION: '3m' }).durationS).toBe(3600);
  });

  it('if a duration is not one, or a flag is unknown, it is a usage error', () => {
    expect(() => parseSoakFlags(['--duration', 'soon'])).toThrow(SoakUsageError);
    expect(() => parseSoakFlags(['--load-period-ms', '-5'])).toThrow(/--load-period-ms/);
    expect(() => parseSoakFlags(['--verbose'])).toThrow(SoakUsageError);
  });

  it('--help is recognised and the help names every flag', () => {
    expect(parseSoakFlags(['--help']).help).toBe(true);
    for (const flag of ['--duration', '--warmup', '--interval', '--signing-duration', '--fault-every', '--fault-duration', '--load-period-ms', '--report', '--keep', '--help']) expect(SOAK_HELP).toContain(flag);
  });
});
