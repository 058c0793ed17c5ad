/**
 * PostgreSQL text cannot hold NUL, which a key expression or a header-derived key may produce.
 * Keys are stored with backslash and NUL escaped: injective, so distinct keys stay distinct, and
 * the common key (neither character) is stored as it is.
 */
export function storedKey(text: string): string {
  return /[\\\0]/.test(text) ? text.replace(/\\/g, "\\\\").replace(/\0/g, "\\0") : text;
}
