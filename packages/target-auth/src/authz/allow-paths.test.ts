import { describe, expect, it } from 'vitest';
import { AllowPaths } from './allow-paths.js';

describe('AllowPaths (Go path.Match patterns)', () => {
  const a = new AllowPaths(['/metrics', '/metrics/*', '/api/v?/x']);
  it.each([
    ['/metrics', true],
    ['/metrics/cadvisor', true],
    ['/metrics/a/b', false],
    ['/api/v1/x', true],
    ['/api/v10/x', false],
    ['/admin', false],
    ['/metricsX', false],
  ])('%s -> %s', (path, ok) => {
    expect(a.allows(path)).toBe(ok);
  });

  it('allows everything when empty', () => {
    expect(new AllowPaths([]).allows('/anything')).toBe(true);
  });

  it('escapes regexp characters in patterns', () => {
    expect(new AllowPaths(['/a.b*']).allows('/aXb')).toBe(false);
  });

  it('refuses character classes', () => {
    expect(() => new AllowPaths(['/[ab]'])).toThrow(TypeError);
  });
});
