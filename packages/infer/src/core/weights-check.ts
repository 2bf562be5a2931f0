/**
 * Checks that a weights file is the one a graph was exported with: `dynet export` records the
 * file's sha256 in the metadata prop `dynet.weights_sha256`, and a file written by another export
 * (or cut short) would otherwise run silently with the wrong parameters.
 */
export const WEIGHTS_FILE_PROP = 'dynet.weights_file';
export const WEIGHTS_SHA256_PROP = 'dynet.weights_sha256';

/** Hex sha256 through WebCrypto, present in browsers and in Node 20. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const view = new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
  const digest = await globalThis.crypto.subtle.digest('SHA-256', view);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Throws when `actual` is not the digest the model's metadata records (no check without one). */
export function checkWeightsDigest(metadata: Record<string, string>, actual: string, weightsName: string, modelName: string): void {
  const expected = metadata[WEIGHTS_SHA256_PROP];
  if (!expected || expected === actual) return;
  throw new Error(
    `${weightsName}: weights file does not match ${modelName} (sha256 ${actual.slice(0, 12)}..., the model expects ` +
      `${expected.slice(0, 12)}...); it is stale or damaged: export the model again (npx dynet export)`,
  );
}
