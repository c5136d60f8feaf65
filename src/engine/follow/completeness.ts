// "Is this checkpoint file finished?" without loading it. pretrain.py `save_train_state` calls
// torch.save straight onto `step_N` (no temp file), and a synced or mounted folder shows files while
// they are copied, so a follower sees half-written files. torch.save writes a zip front to back and the
// end-of-central-directory record last; safetensors declares its data length in its header. These
// checks read at most the last 64 KiB (zip) or the header (safetensors): cheap enough to run on every
// poll, and independent of the full readers, which only ever see files that passed them.

import * as fs from 'node:fs';

export type Completeness =
  | { complete: true; format: 'torch' | 'safetensors' | 'unknown'; size: number }
  | { complete: false; reason: string; size: number };

const SIG_LOCAL = 0x04034b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

function readAt(fd: number, position: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, b, done, length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  return done === length ? b : b.subarray(0, done);
}

/** A zip is complete when its EOCD record ends exactly at the end of the file and points before itself. */
function zipComplete(fd: number, size: number): Completeness {
  const tailLen = Math.min(size, EOCD_SIZE + MAX_COMMENT);
  const tail = readAt(fd, size - tailLen, tailLen);
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== SIG_EOCD) continue;
    const commentLen = tail.readUInt16LE(i + 20);
    if (i + EOCD_SIZE + commentLen !== tail.length) continue; // a signature inside data, not the record
    const eocdPos = size - tailLen + i;
    const cdSize = tail.readUInt32LE(i + 12);
    const cdOffset = tail.readUInt32LE(i + 16);
    if (cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      // zip64: the locator sits right before the EOCD record.
      if (i >= 20 && tail.readUInt32LE(i - 20) === SIG_ZIP64_LOCATOR) return { complete: true, format: 'torch', size };
      if (eocdPos >= 20 && readAt(fd, eocdPos - 20, 4).readUInt32LE(0) === SIG_ZIP64_LOCATOR)
        return { complete: true, format: 'torch', size };
      return { complete: false, reason: 'zip64 end record without its locator', size };
    }
    if (cdOffset + cdSize > eocdPos)
      return { complete: false, reason: 'the central directory runs past its end record', size };
    return { complete: true, format: 'torch', size };
  }
  return { complete: false, reason: 'no end of the zip archive yet (still being written)', size };
}

/** safetensors: u64 header length, JSON header, then exactly max(data_offsets) bytes of data. */
function safetensorsComplete(fd: number, size: number): Completeness {
  if (size < 8) return { complete: false, reason: 'header not written yet', size };
  const n = Number(readAt(fd, 0, 8).readBigUInt64LE(0));
  if (n > 100_000_000) return { complete: true, format: 'unknown', size }; // not plausible: let the reader say why
  if (size < 8 + n) return { complete: false, reason: 'header not written yet', size };
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(readAt(fd, 8, n).toString('utf8')) as Record<string, unknown>;
  } catch {
    return { complete: true, format: 'unknown', size };
  }
  let end = 0;
  for (const [k, v] of Object.entries(header)) {
    if (k === '__metadata__') continue;
    const off = (v as { data_offsets?: unknown })?.data_offsets;
    if (Array.isArray(off) && typeof off[1] === 'number') end = Math.max(end, off[1]);
  }
  if (size < 8 + n + end) return { complete: false, reason: `${size} of ${8 + n + end} bytes written`, size };
  return { complete: true, format: 'safetensors', size };
}

/**
 * Whether `file` looks completely written. Unknown formats count as complete (once their size is
 * stable the loader reports what is wrong with them); an empty or vanished file is incomplete.
 */
export function probeCheckpointFile(file: string): Completeness {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    return { complete: false, reason: `cannot open yet (${(e as NodeJS.ErrnoException).code ?? 'error'})`, size: 0 };
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return { complete: false, reason: 'empty (just created)', size };
    const head = readAt(fd, 0, Math.min(size, 9));
    if (head.length >= 4 && head.readUInt32LE(0) === SIG_LOCAL) return zipComplete(fd, size);
    if (head.length >= 4 && head.readUInt32LE(0) === SIG_EOCD) return zipComplete(fd, size);
    if (head.length >= 9 && head[8] === 0x7b && head[6] === 0 && head[7] === 0) return safetensorsComplete(fd, size);
    if (size < 9) return { complete: false, reason: `only ${size} bytes so far`, size };
    return { complete: true, format: 'unknown', size };
  } finally {
    fs.closeSync(fd);
  }
}
