/**
 * Where `dynet restore`, `eval` and `serve` look for a model when none is named: the folder
 * `npx dynet export` writes by default, relative to the working folder. Issue 4 repoints this at
 * the trained small-preset model shipped with the package.
 */
export const DEFAULT_MODEL_DIR = 'graphs';
