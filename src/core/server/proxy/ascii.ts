/**
 * Bytes as ASCII: the character classes the PROXY scanner checks, and bytes
 * made safe to put in a message.
 *
 * @module
 */

/** The bytes as text, anything but printable ASCII as `\xNN`: safe to put in a message. */
export function printable(bytes: Uint8Array, from: number, to: number): string {
  let text = "";
  for (let i = from; i < to; i++) {
    const byte = bytes[i]!;
    text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return text;
}

export function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0").toUpperCase()}`;
}

export function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

export function isIPv6Char(byte: number): boolean {
  return isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66) || byte === 0x3a ||
    byte === 0x2e;
}
