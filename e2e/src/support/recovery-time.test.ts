import { describe, expect, it } from 'vitest';
import { recoveryAfter } from './recovery-time.js';
import type { UpSeries } from './up-timeline.js';

const series = (target: string, samples: ReadonlyArray<readonly [number, number]>): UpSeries => ({ target, path: 'cert', samples });

describe('recoveryAfter', () => {
  it('if nothing failed after the disruption, 0 failures and 0 seconds (failures before it do not count)', () => {
    expect(recoveryAfter([series('a', [[0, 0], [1000, 1], [3000, 1], [5000, 1]])], 2000)).toEqual({ failed: 0, seconds: 0 });
  });

  it('counts the failures and measures to the first success after the last failure', () => {
    expect(recoveryAfter([series('a', [[1000, 1], [3000, 0], [5000, 0], [7000, 1], [9000, 1]])], 2000)).toEqual({ failed: 2, seconds: 5 });
  });

  it('takes the latest recovery over every series and sums their failures', () => {
    const a = series('a', [[3000, 0], [5000, 1]]);
    const b = series('b', [[4000, 0], [10_000, 0], [16_000, 1]]);
    expect(recoveryAfter([a, b], 2000)).toEqual({ failed: 3, seconds: 14 });
  });

  it('a failure followed by a success and another failure recovers only after the second', () => {
    expect(recoveryAfter([series('a', [[3000, 0], [5000, 1], [7000, 0], [9000, 1]])], 2000)).toEqual({ failed: 2, seconds: 7 });
  });

  it('if a series never succeeds again, the recovery time is undefined and every failure is still counted', () => {
    const a = series('a', [[3000, 0], [5000, 0]]);
    const b = series('b', [[3000, 0], [4000, 0]]);
    expect(recoveryAfter([a, b], 2000)).toEqual({ failed: 4, seconds: undefined });
  });
});
