import root from '../../eslint.config.mjs';

// Nx runs eslint with this directory as the base path, so the root config's purity blocks
// (files: 'packages/pkcs/src/**') would never match here. Re-apply those same blocks with the
// prefix stripped, keeping the root config the single source of truth for what is banned.
const prefix = 'packages/pkcs/';
const rebase = (p) => (typeof p === 'string' && p.startsWith(prefix) ? p.slice(prefix.length) : p);
const scoped = root
  .filter((c) => Array.isArray(c.files) && c.files.some((f) => typeof f === 'string' && f.startsWith(prefix)))
  .map((c) => ({ ...c, files: c.files.filter((f) => typeof f === 'string' && f.startsWith(prefix)).map(rebase) }));

export default [...root, ...scoped];
