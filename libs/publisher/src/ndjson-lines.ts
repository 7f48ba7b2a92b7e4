import type { Readable } from 'node:stream';

export interface NumberedLine {
  /** 1-based, as editors count. */
  number: number;
  /**
   * The line's bytes, undecoded: the contract's parser decodes them as the ingestor does, so a
   * line that is not UTF-8 is refused as not-utf8. Decoded here (readline), its bad bytes became
   * U+FFFD and the report was published and stored with them, its text silently changed.
   * Only its first `keep` bytes when it is longer (`size` says how long it was).
   */
  bytes: Buffer;
  /** The line's length in bytes, all of it. */
  size: number;
}

const LF = 0x0a;
const CR = 0x0d;
/** The UTF-8 byte order mark, which some editors write at the start of a file (Windows Notepad did by default). */
const BYTE_ORDER_MARK = Buffer.from([0xef, 0xbb, 0xbf]);

/** Only spaces, tabs, CR, VT, FF: the whitespace JSON and editors leave between lines. */
function isBlank(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte !== 0x20 && (byte < 0x09 || byte > 0x0d)) return false;
  return true;
}

/**
 * The non-blank lines of an NDJSON stream, with their line numbers; CRLF ends a line as LF does.
 * A byte order mark at the start of the stream belongs to the file, not to its first line: left
 * on, it would travel in the first report's message.
 */
export async function* ndjsonLines(input: Readable, keep = Infinity): AsyncGenerator<NumberedLine> {
  let number = 0;
  let pending: Buffer[] = [];
  // bytes of the line so far: all of them, and those kept (a line past `keep` is not held whole:
  // a file that is one huge line, a JSON array exported whole, would fill the memory)
  let size = 0;
  let kept = 0;
  let last = -1;
  const add = (part: Buffer) => {
    if (part.length === 0) return;
    size += part.length;
    last = part[part.length - 1]!;
    if (kept >= keep) return;
    const taken = part.length <= keep - kept ? part : part.subarray(0, keep - kept);
    pending.push(taken);
    kept += taken.length;
  };
  const line = (): NumberedLine | undefined => {
    number++;
    let bytes = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    let length = size;
    const endsInCr = last === CR;
    pending = [];
    size = 0;
    kept = 0;
    last = -1;
    if (endsInCr) {
      if (bytes.length === length) bytes = bytes.subarray(0, bytes.length - 1);
      length--;
    }
    if (number === 1 && bytes.subarray(0, 3).equals(BYTE_ORDER_MARK)) {
      bytes = bytes.subarray(3);
      length -= 3;
    }
    return isBlank(bytes) ? undefined : { number, bytes, size: length };
  };
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    for (let end = buffer.indexOf(LF, start); end !== -1; end = buffer.indexOf(LF, start)) {
      add(buffer.subarray(start, end));
      const next = line();
      if (next) yield next;
      start = end + 1;
    }
    if (start < buffer.length) add(buffer.subarray(start));
  }
  if (size > 0) {
    const last = line();
    if (last) yield last;
  }
}
