/**
 * A migration writes a function's next version as an edit of the one before: these put lines
 * into its text at an anchor, or in place of it, where the text must hold the anchor exactly
 * once, and fail if it does not (a String.replace that finds nothing would leave the old
 * version in place, silently). The new text goes in as it is: a replacer function, because a
 * replacement string would read `$$` (a plpgsql body's quotes) as one `$`.
 */
export function insertBefore(text: string, anchor: string, lines: string): string {
  return text.replace(once(text, anchor), () => lines + anchor);
}

export function insertAfter(text: string, anchor: string, lines: string): string {
  return text.replace(once(text, anchor), () => anchor + lines);
}

export function replaceOnce(text: string, anchor: string, replacement: string): string {
  return text.replace(once(text, anchor), () => replacement);
}

function once(text: string, anchor: string): string {
  if (text.split(anchor).length !== 2) throw new Error(`function text: the anchor is not there exactly once: ${JSON.stringify(anchor.trim())}`);
  return anchor;
}
