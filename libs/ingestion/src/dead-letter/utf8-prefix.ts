/**
 * At most `max` bytes of `bytes`, as a copy, cut where a UTF-8 character starts: `dlq list
 * --json` shows the first bytes of a letter's value as text, and a cut inside a character ended
 * it with U+FFFD ('�'). Bytes that are no UTF-8 (a not-utf8 letter's) are cut as they come: the
 * search for a character's start stops after the 3 bytes a character may continue for.
 */
export function utf8Prefix(bytes: Buffer, max: number): Buffer {
  if (bytes.length <= max) return Buffer.from(bytes);
  let end = max;
  // a continuation byte (10xxxxxx) at the cut: the character it belongs to began before it
  for (let back = 0; back < 3 && end > 0 && (bytes[end]! & 0xc0) === 0x80; back++) end--;
  return Buffer.from(bytes.subarray(0, end));
}
