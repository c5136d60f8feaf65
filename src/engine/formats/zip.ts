// Minimal read-only ZIP reader for PyTorch checkpoints (torch.save writes a zip of stored members).
// Only the central directory is read up front; member data is read with positioned file-descriptor
// reads, so a ~2 GB ARC checkpoint can be copied straight into per-tensor typed arrays and is never
// held in memory twice. Supports zip64 records/extra fields, stored (0) and deflated (8) members.
// Nothing is trusted: member names are unique, members lie inside the file without overlapping each
// other or the directory, each local header names its member, every byte read is checked against the
// member's CRC-32, and a deflated member is inflated once, never past its declared size, and only when
// that size fits the memory budget.

import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { MemoryBudget, formatBytes, getLimits } from '../limits';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
/** Deflate cannot compress better than about 1032:1; a member that claims more is corrupt. */
const MAX_DEFLATE_RATIO = 1032;
/** zlib's one-buffer output limit (inflateRawSync's maxOutputLength). */
const MAX_INFLATE_BYTES = 2 ** 32;
const CRC_CHUNK = 16 * 1024 * 1024;

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
  /** Where the next member (or the central directory) starts: this member's data must end before it. */
  extentEnd: number;
}

/** Process-wide count of member inflations (tests and benchmarks check that each storage is inflated once). */
export const zipStats = { inflations: 0 };

export class ZipFormatError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
  }
}

/** True when the bytes start like a zip archive (a local file header or an empty archive's EOCD). */
export function looksLikeZip(head: Uint8Array): boolean {
  return (
    head.length >= 4 &&
    head[0] === 0x50 &&
    head[1] === 0x4b &&
    ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))
  );
}

function readExactly(fd: number, target: Uint8Array, position: number): number {
  let done = 0;
  while (done < target.length) {
    const chunk = Math.min(target.length - done, 1 << 30);
    const got = fs.readSync(fd, target, done, chunk, position + done);
    if (got <= 0) break;
    done += got;
  }
  return done;
}

/** 64-bit little-endian read that fails rather than lose precision (offsets beyond 2^53 are nonsense here). */
function u64(view: DataView, at: number, file: string, what: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER))
    throw new ZipFormatError(file, `corrupt zip archive: ${what} ${v} is too large`);
  return Number(v);
}

export class ZipReader {
  readonly entries: ZipEntry[];
  private readonly byName: Map<string, ZipEntry>;
  private fd: number | undefined;

  private constructor(
    readonly file: string,
    fd: number,
    readonly fileSize: number,
    entries: ZipEntry[],
  ) {
    this.fd = fd;
    this.entries = entries;
    this.byName = new Map(entries.map((e) => [e.name, e]));
  }

  private cached: { entry: ZipEntry; data: Uint8Array; budget?: MemoryBudget } | undefined;
  private readonly verified = new Set<ZipEntry>();

  /** Opens an archive and reads its central directory. Call close() when done. */
  static open(file: string): ZipReader {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (e) {
      throw new Error(`cannot open ${file}: ${(e as Error).message}`, { cause: e });
    }
    try {
      const size = fs.fstatSync(fd).size;
      return new ZipReader(file, fd, size, readCentralDirectory(file, fd, size));
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
  }

  get(name: string): ZipEntry | undefined {
    return this.byName.get(name);
  }

  close(): void {
    this.dropCache();
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private handle(): number {
    if (this.fd === undefined) throw new Error(`${this.file}: zip archive already closed`);
    return this.fd;
  }

  /** File offset of the member's (possibly compressed) data, after validating its local header. */
  dataOffset(entry: ZipEntry): number {
    const fd = this.handle();
    const head = new Uint8Array(30);
    if (entry.localHeaderOffset + 30 > this.fileSize || readExactly(fd, head, entry.localHeaderOffset) < 30) {
      throw new ZipFormatError(
        this.file,
        `truncated: the local header of member ${entry.name} lies past the end of the file`,
      );
    }
    const view = new DataView(head.buffer);
    if (view.getUint32(0, true) !== SIG_LOCAL)
      throw new ZipFormatError(this.file, `corrupt zip archive: bad local header signature for member ${entry.name}`);
    const nameLen = view.getUint16(26, true);
    const start = entry.localHeaderOffset + 30 + nameLen + view.getUint16(28, true);
    if (start + entry.compressedSize > this.fileSize) {
      throw new ZipFormatError(
        this.file,
        `member ${entry.name} extends past end of file (needs bytes ${start}..${start + entry.compressedSize}, file has ${this.fileSize}; truncated?)`,
      );
    }
    if (start + entry.compressedSize > entry.extentEnd)
      throw new ZipFormatError(
        this.file,
        `corrupt zip archive: member ${entry.name} (bytes ${start}..${start + entry.compressedSize}) overlaps the next member or the central directory at byte ${entry.extentEnd}`,
      );
    const localName = new Uint8Array(nameLen);
    readExactly(fd, localName, entry.localHeaderOffset + 30);
    if (Buffer.compare(localName, Buffer.from(entry.name, 'utf8')) !== 0)
      throw new ZipFormatError(
        this.file,
        `corrupt zip archive: the local header at byte ${entry.localHeaderOffset} names ${JSON.stringify(new TextDecoder().decode(localName))}, not member ${entry.name}`,
      );
    return start;
  }

  /**
   * Reads a whole small member (data.pkl, byteorder) into memory, inflating if needed, and checks its
   * CRC-32. `maxBytes` bounds its declared size before anything is read.
   */
  read(entry: ZipEntry, maxBytes: number = getLimits().header): Uint8Array {
    if (entry.size > maxBytes)
      throw new ZipFormatError(
        this.file,
        `member ${entry.name} is ${formatBytes(entry.size)}, more than the ${formatBytes(maxBytes)} allowed for it`,
      );
    return this.whole(entry, undefined, false);
  }

  /**
   * Copies `target.length` bytes of the member's uncompressed data, starting at `memberOffset`, into
   * `target` (typically the byte view of a freshly allocated typed array). Stored members are read
   * straight from the file at that position; deflated ones are inflated once (into a buffer charged to
   * `budget`) and kept until another member is read or close() is called, so many views of one
   * storage cost one inflation. Every member's CRC-32 is verified before its bytes are used.
   */
  readInto(entry: ZipEntry, target: Uint8Array, memberOffset = 0, budget?: MemoryBudget): void {
    if (memberOffset < 0 || memberOffset + target.length > entry.size) {
      throw new ZipFormatError(
        this.file,
        `member ${entry.name} has ${entry.size} bytes; cannot read ${target.length} bytes at offset ${memberOffset}`,
      );
    }
    if (entry.method !== 0) {
      target.set(this.whole(entry, budget, true).subarray(memberOffset, memberOffset + target.length));
      return;
    }
    const start = this.dataOffset(entry);
    if (readExactly(this.handle(), target, start + memberOffset) !== target.length) {
      throw new ZipFormatError(this.file, `member ${entry.name} extends past end of file`);
    }
    if (this.verified.has(entry)) return;
    // The common case (one tensor per storage) checks the bytes just read; a partial view streams
    // the member once through the CRC.
    const crc = memberOffset === 0 && target.length === entry.size ? zlib.crc32(target) : this.streamCrc(entry, start);
    this.checkCrc(entry, crc);
  }

  private checkCrc(entry: ZipEntry, crc: number): void {
    if (crc !== entry.crc32)
      throw new ZipFormatError(
        this.file,
        `corrupt zip archive: CRC-32 mismatch in member ${entry.name} (stored ${hex(entry.crc32)}, data ${hex(crc)})`,
      );
    this.verified.add(entry);
  }

  private streamCrc(entry: ZipEntry, start: number): number {
    const size = entry.size;
    const chunk = new Uint8Array(Math.min(size, CRC_CHUNK));
    let crc = 0;
    for (let done = 0; done < size;) {
      const n = Math.min(chunk.length, size - done);
      const part = chunk.subarray(0, n);
      if (readExactly(this.handle(), part, start + done) !== n)
        throw new ZipFormatError(this.file, `member ${entry.name} extends past end of file`);
      crc = zlib.crc32(part, crc);
      done += n;
    }
    return crc;
  }

  private dropCache(): void {
    if (this.cached) this.cached.budget?.release(this.cached.data.length);
    this.cached = undefined;
  }

  /** The member's full uncompressed bytes, CRC-checked; deflated members are inflated at most to their declared size. */
  private whole(entry: ZipEntry, budget: MemoryBudget | undefined, keep: boolean): Uint8Array {
    if (this.cached?.entry === entry) return this.cached.data;
    if (entry.method !== 0 && entry.method !== 8)
      throw new ZipFormatError(this.file, `member ${entry.name} uses unsupported compression method ${entry.method}`);
    if (entry.method === 8) {
      if (entry.size > Math.max(1, entry.compressedSize) * MAX_DEFLATE_RATIO)
        throw new ZipFormatError(
          this.file,
          `corrupt zip archive: member ${entry.name} claims to inflate ${entry.compressedSize} bytes to ${entry.size} (more than deflate's ${MAX_DEFLATE_RATIO}:1)`,
        );
      if (entry.size > MAX_INFLATE_BYTES)
        throw new ZipFormatError(
          this.file,
          `member ${entry.name} inflates to ${formatBytes(entry.size)}; deflated members over 4 GiB are not supported (store it uncompressed)`,
        );
    }
    if (keep) this.dropCache();
    budget?.take(entry.size + (entry.method === 8 ? entry.compressedSize : 0), `zip member ${entry.name}`);
    let data: Uint8Array;
    try {
      const start = this.dataOffset(entry);
      const raw = new Uint8Array(entry.compressedSize);
      if (readExactly(this.handle(), raw, start) !== raw.length)
        throw new ZipFormatError(this.file, `member ${entry.name} extends past end of file`);
      data = entry.method === 0 ? raw : this.inflate(entry, raw);
      this.checkCrc(entry, zlib.crc32(data));
    } catch (e) {
      budget?.release(entry.size + (entry.method === 8 ? entry.compressedSize : 0));
      throw e;
    }
    if (entry.method === 8) budget?.release(entry.compressedSize);
    if (keep) this.cached = { entry, data, budget };
    else budget?.release(entry.size);
    return data;
  }

  private inflate(entry: ZipEntry, raw: Uint8Array): Uint8Array {
    zipStats.inflations++;
    let out: Buffer;
    try {
      // maxOutputLength stops inflation as soon as the output passes the declared size: a member that
      // claims 64 bytes and inflates to 1 GiB costs 64 bytes, not 1 GiB.
      out = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch (e) {
      const tooLarge = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      throw new ZipFormatError(
        this.file,
        tooLarge
          ? `corrupt zip archive: member ${entry.name} inflates to more than the ${entry.size} bytes the directory declares`
          : `corrupt zip archive: cannot inflate member ${entry.name} (${(e as Error).message})`,
      );
    }
    if (out.length !== entry.size)
      throw new ZipFormatError(
        this.file,
        `corrupt zip archive: member ${entry.name} inflates to ${out.length} bytes, directory says ${entry.size}`,
      );
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function findEocd(file: string, fd: number, size: number): { at: number; view: DataView; tailStart: number } {
  const tailLen = Math.min(size, EOCD_SIZE + MAX_COMMENT);
  const tailStart = size - tailLen;
  const tail = new Uint8Array(tailLen);
  readExactly(fd, tail, tailStart);
  const view = new DataView(tail.buffer);
  // Scan backwards; accept a signature only if its comment length reaches exactly to the end of the file.
  for (let i = tailLen - EOCD_SIZE; i >= 0; i--) {
    if (view.getUint32(i, true) === SIG_EOCD && i + EOCD_SIZE + view.getUint16(i + 20, true) === tailLen) {
      return { at: tailStart + i, view: new DataView(tail.buffer, i, EOCD_SIZE), tailStart };
    }
  }
  const first = new Uint8Array(4);
  readExactly(fd, first, 0);
  if (looksLikeZip(first)) {
    throw new ZipFormatError(
      file,
      'truncated: no end-of-central-directory record (the zip archive was cut short or is corrupt)',
    );
  }
  throw new ZipFormatError(file, 'not a zip archive (no PK signature)');
}

function readCentralDirectory(file: string, fd: number, size: number): ZipEntry[] {
  if (size < EOCD_SIZE) {
    const first = new Uint8Array(Math.min(size, 4));
    readExactly(fd, first, 0);
    if (size >= 2 && first[0] === 0x50 && first[1] === 0x4b)
      throw new ZipFormatError(file, `truncated: only ${size} bytes`);
    throw new ZipFormatError(file, 'not a zip archive (no PK signature)');
  }
  const eocd = findEocd(file, fd, size);
  let count = eocd.view.getUint16(10, true);
  let cdSize = eocd.view.getUint32(12, true);
  let cdOffset = eocd.view.getUint32(16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    // zip64: the locator sits right before the EOCD and points at the zip64 EOCD record.
    const locAt = eocd.at - 20;
    if (locAt < 0) throw new ZipFormatError(file, 'corrupt zip archive: zip64 locator missing');
    const loc = new Uint8Array(20);
    readExactly(fd, loc, locAt);
    const lv = new DataView(loc.buffer);
    if (lv.getUint32(0, true) !== SIG_ZIP64_LOCATOR)
      throw new ZipFormatError(file, 'corrupt zip archive: zip64 locator missing');
    const recAt = u64(lv, 8, file, 'zip64 record offset');
    if (recAt + 56 > size)
      throw new ZipFormatError(file, 'truncated: zip64 end-of-central-directory record lies past the end of the file');
    const rec = new Uint8Array(56);
    readExactly(fd, rec, recAt);
    const rv = new DataView(rec.buffer);
    if (rv.getUint32(0, true) !== SIG_ZIP64_EOCD)
      throw new ZipFormatError(file, 'corrupt zip archive: bad zip64 end-of-central-directory signature');
    count = u64(rv, 32, file, 'entry count');
    cdSize = u64(rv, 40, file, 'central directory size');
    cdOffset = u64(rv, 48, file, 'central directory offset');
  }
  if (cdOffset + cdSize > size) {
    throw new ZipFormatError(
      file,
      `truncated: central directory (bytes ${cdOffset}..${cdOffset + cdSize}) lies past the end of the ${size}-byte file`,
    );
  }
  const cd = new Uint8Array(cdSize);
  readExactly(fd, cd, cdOffset);
  const v = new DataView(cd.buffer);
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  const minimalEnd = new Map<string, number>();
  if (count > Math.floor(cdSize / 46))
    throw new ZipFormatError(
      file,
      `corrupt zip archive: ${count} members cannot fit in a ${cdSize}-byte central directory`,
    );
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cdSize || v.getUint32(p, true) !== SIG_CENTRAL) {
      throw new ZipFormatError(file, `corrupt zip archive: central directory entry ${k} of ${count} is damaged`);
    }
    const method = v.getUint16(p + 10, true);
    const crc32 = v.getUint32(p + 16, true);
    let compressedSize = v.getUint32(p + 20, true);
    let uncompressedSize = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    let localHeaderOffset = v.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen + commentLen > cdSize)
      throw new ZipFormatError(file, `corrupt zip archive: central directory entry ${k} runs past the directory`);
    const name = decoder.decode(cd.subarray(p + 46, p + 46 + nameLen));
    // zip64 extended information: present fields replace the 0xffffffff placeholders, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = v.getUint16(e, true);
      const len = v.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const take = (): number => {
          if (q + 8 > e + 4 + len)
            throw new ZipFormatError(file, `corrupt zip archive: short zip64 field for member ${name}`);
          const val = u64(v, q, file, `zip64 field of ${name}`);
          q += 8;
          return val;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
      }
      e += 4 + len;
    }
    if (method === 0 && compressedSize !== uncompressedSize) {
      throw new ZipFormatError(
        file,
        `corrupt zip archive: stored member ${name} has compressed size ${compressedSize} but size ${uncompressedSize}`,
      );
    }
    if (localHeaderOffset + 30 + compressedSize > size) {
      throw new ZipFormatError(file, `member ${name} extends past end of file (truncated?)`);
    }
    if (seen.has(name)) throw new ZipFormatError(file, `corrupt zip archive: member ${name} appears twice`);
    seen.add(name);
    entries.push({
      name,
      method,
      compressedSize,
      size: uncompressedSize,
      crc32,
      localHeaderOffset,
      extentEnd: cdOffset,
    });
    minimalEnd.set(name, localHeaderOffset + 30 + nameLen + compressedSize);
    p += 46 + nameLen + extraLen + commentLen;
  }
  // Members must lie one after another before the central directory: an offset pointing into another
  // member (or two names sharing bytes) would load one member's bytes as another's.
  const byOffset = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 0; i < byOffset.length; i++) {
    const e = byOffset[i];
    const end = i + 1 < byOffset.length ? byOffset[i + 1].localHeaderOffset : cdOffset;
    if ((minimalEnd.get(e.name) as number) > end) {
      const other = i + 1 < byOffset.length ? `member ${byOffset[i + 1].name}` : 'the central directory';
      throw new ZipFormatError(
        file,
        `corrupt zip archive: member ${e.name} (from byte ${e.localHeaderOffset}, ${e.compressedSize} bytes of data) overlaps ${other} at byte ${end}`,
      );
    }
    e.extentEnd = end;
  }
  return entries;
}
