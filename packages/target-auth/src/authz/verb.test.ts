import { describe, expect, it } from 'vitest';
import { verbForMethod } from './verb.js';

describe('verbForMethod maps HTTP methods to Kubernetes verbs', () => {
  it.each([
    ['GET', 'get'],
    ['HEAD', 'get'],
    ['POST', 'create'],
    ['PUT', 'update'],
    ['PATCH', 'patch'],
    ['DELETE', 'delete'],
    ['OPTIONS', 'options'],
    ['PROPFIND', 'propfind'],
  ])('%s -> %s', (method, verb) => {
    expect(verbForMethod(method)).toBe(verb);
  });

  it('maps a missing method to the empty verb, which no rule with a verb matches', () => {
    expect(verbForMethod(undefined)).toBe('');
  });
});
