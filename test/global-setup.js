/**
 * Runs once in Jest's main process, before any test worker starts (workers inherit its
 * environment). The WebGPU tests run onnxruntime-node's WebGPU provider on SwiftShader, the
 * software Vulkan driver Debian's chromium ships: the Vulkan loader reads VK_ICD_FILENAMES from
 * the real process environment when Dawn starts, which a test's sandboxed `process.env` cannot
 * set. A value the caller set is kept.
 */
const fs = require('node:fs');
const os = require('node:os');

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

module.exports = async () => {
  if (!process.env.VK_ICD_FILENAMES && fs.existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = os.tmpdir();
};
