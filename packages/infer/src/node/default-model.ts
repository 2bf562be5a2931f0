import * as path from 'node:path';

/**
 * Where `dynet restore`, `eval` and `serve` look for a model when none is named: the all-in-one
 * DyNet-S (small preset) that ships with this package, trained on photos from Debian packages
 * (how: models/all-in-one-small/MODEL.md). The same path from src/ (tests) and dist/ (the build).
 */
export const DEFAULT_MODEL_DIR = path.resolve(__dirname, '..', '..', 'models', 'all-in-one-small');
