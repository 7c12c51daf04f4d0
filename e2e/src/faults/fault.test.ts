import { describe, expect, it } from 'vitest';
import { earliestRotation, MIN_REMAINING_SECONDS } from './fault.js';

const at = (s: number): Date => new Date(Date.UTC(2026, 11, 2, 0, 0, s));

describe('earliestRotation (when a rotation-bound fault must be in place)', () => {
  it('if the jittered deadline leaves more than a minute, the deadline', () => {
    expect(earliestRotation({ serial: 'a', rotationDeadline: at(100), notAfter: at(400) })).toEqual(at(100));
  });

  it('if less than a minute would be left at the deadline (short test certificates), a minute before NotAfter', () => {
    expect(earliestRotation({ serial: 'a', rotationDeadline: at(100), notAfter: at(120) })).toEqual(at(120 - MIN_REMAINING_SECONDS));
  });
});
