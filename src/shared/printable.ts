/**
 * Text from strangers (a REFUSE reason, a close reason, a broker's error) made safe for a terminal
 * (issue 9, finding 10): control characters (C0 but TAB, DEL and C1: escape sequences start with ESC or
 * CSI) and the bidirectional marks, embeddings, overrides and isolates that reorder what a reader sees
 * become `?`, and the text is cut to `maxChars` characters.
 */

/** The most characters of a stranger's text that reach a log line. @default 200 */
export const PRINTABLE_MAX_CHARS = 200;

function unsafe(cp: number): boolean {
  return (
    (cp < 0x20 && cp !== 0x09) ||
    (cp >= 0x7f && cp <= 0x9f) ||
    cp === 0x061c ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    (cp >= 0xd800 && cp <= 0xdfff)
  );
}

export function printable(text: string, maxChars = PRINTABLE_MAX_CHARS): string {
  let out = '';
  let count = 0;
  for (const ch of text) {
    if (count === maxChars) return `${out}…`;
    out += unsafe(ch.codePointAt(0) ?? 0) ? '?' : ch;
    count += 1;
  }
  return out;
}
