/**
 * kube-rbac-proxy's `--allow-paths`: a list of Go `path.Match`-style patterns (`*` matches any
 * run of non-`/` characters, `?` one non-`/` character). A request whose normalised path matches
 * none of them is answered 404 before authentication. An empty list allows every path.
 */
export class AllowPaths {
  readonly #exact: ReadonlySet<string>;
  readonly #patterns: readonly RegExp[];
  readonly #any: boolean;

  constructor(patterns: readonly string[]) {
    const exact = new Set<string>();
    const regexps: RegExp[] = [];
    for (const p of patterns) {
      if (p.includes('[') || p.includes('\\')) throw new TypeError(`unsupported allow-paths pattern (no [] or \\): ${p}`);
      if (p.includes('*') || p.includes('?')) regexps.push(globToRegExp(p));
      else exact.add(p);
    }
    this.#exact = exact;
    this.#patterns = regexps;
    this.#any = patterns.length === 0;
  }

  /** True when `path` (normalised) is allowed. */
  allows(path: string): boolean {
    if (this.#any || this.#exact.has(path)) return true;
    for (const r of this.#patterns) if (r.test(path)) return true;
    return false;
  }
}

function globToRegExp(pattern: string): RegExp {
  let src = '^';
  for (const ch of pattern) {
    if (ch === '*') src += '[^/]*';
    else if (ch === '?') src += '[^/]';
    else src += ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`${src}$`);
}
