/**
 * CRC-32 checks for zip entries: fflate unzips stored entries without checking their CRC, so a
 * checkpoint whose tensor bytes were damaged would load silently. The expected CRCs come from
 * the zip's central directory.
 */

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The zip CRC-32 (IEEE 802.3 polynomial) of `data`. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;

/**
 * Entry name -> CRC-32, read from the central directory (zip64 included). Returns null when the
 * directory cannot be found or walked; the caller's unzip reports such damage itself.
 */
export function centralDirectoryCrcs(bytes: Uint8Array): Map<string, number> | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  const locator = eocd - 20;
  if ((count === 0xffff || offset === 0xffffffff) && locator >= 0 && view.getUint32(locator, true) === ZIP64_LOCATOR) {
    const z = Number(view.getBigUint64(locator + 8, true));
    if (z + 56 > bytes.length || view.getUint32(z, true) !== ZIP64_EOCD) return null;
    count = Number(view.getBigUint64(z + 32, true));
    offset = Number(view.getBigUint64(z + 48, true));
  }
  const crcs = new Map<string, number>();
  const decoder = new TextDecoder();
  for (let k = 0; k < count; k++) {
    if (offset + 46 > bytes.length || view.getUint32(offset, true) !== CENTRAL) return null;
    const nameLength = view.getUint16(offset + 28, true);
    const extraLength = view.getUint16(offset + 30, true);
    const commentLength = view.getUint16(offset + 32, true);
    if (offset + 46 + nameLength > bytes.length) return null;
    crcs.set(decoder.decode(bytes.subarray(offset + 46, offset + 46 + nameLength)), view.getUint32(offset + 16, true));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return crcs;
}

/**
 * Why fflate's unzipSync cannot be trusted with `bytes`, or null. fflate takes the entry count
 * from the end-of-directory record (the zip64 one when a zip64 locator is present, as in every
 * archive torch.save writes) and walks that many directory entries without bounds checks: a
 * damaged count such as 0xFFFFFFFF would spin for billions of rounds. This reads the count the
 * way fflate does and checks that the directory can hold that many entries (46 bytes each).
 */
export function zipDirectoryProblem(bytes: Uint8Array): string | null {
  const b4 = (at: number) => (at < 0 || at + 4 > bytes.length ? 0 : (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0);
  let e = bytes.length - 22;
  while (e > 0 && bytes.length - e <= 65558 && b4(e) !== EOCD) e--;
  if (e <= 0 || b4(e) !== EOCD) return null; // fflate reports a missing directory itself
  let count = bytes[e + 8] | (bytes[e + 9] << 8);
  let offset = b4(e + 16);
  if (b4(e - 20) === ZIP64_LOCATOR) {
    const z = b4(e - 12);
    if (b4(z) === ZIP64_EOCD) {
      count = b4(z + 32);
      offset = b4(z + 48);
    }
  }
  if (count > 0 && (offset >= bytes.length || count * 46 > bytes.length - offset)) {
    return `the directory claims ${count} entries at offset ${offset}, more than the ${bytes.length}-byte file can hold`;
  }
  return null;
}
