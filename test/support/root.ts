import path from 'node:path';

/**
 * Where things are, whether this runs from TypeScript sources (jest) or compiled into
 * `.bench-build/` (npm run bench): `CODE_ROOT` holds this code's siblings, `REPO_ROOT` the checkout.
 */
export const CODE_ROOT = path.resolve(__dirname, '../..');
export const COMPILED = path.basename(CODE_ROOT) === '.bench-build';
export const REPO_ROOT = COMPILED ? path.dirname(CODE_ROOT) : CODE_ROOT;
export const SOURCE_EXTENSION = COMPILED ? '.js' : '.ts';
