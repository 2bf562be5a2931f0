/**
 * The Node-only packages @dynet/infer uses are optional peer dependencies (a web app that
 * installs @dynet/infer gets neither the native onnxruntime-node addon nor sharp): each is
 * required where it is first needed, and a missing one is named with the install command.
 */
const PURPOSE: Record<string, string> = {
  'onnxruntime-node': "running models on onnxruntime-node (device cpu, cuda or webgpu; device 'wasm' needs only onnxruntime-web)",
  sharp: 'reading and writing image files',
  esbuild: "building the demo page (dynet serve)",
};

export function requirePeer<T>(name: 'onnxruntime-node' | 'sharp' | 'esbuild'): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as T;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND' && e.message.includes(`'${name}'`)) {
      throw new Error(`@dynet/infer: ${PURPOSE[name]} needs the package ${name}, an optional peer dependency: npm install ${name} (docs/packages.md)`);
    }
    throw err;
  }
}
