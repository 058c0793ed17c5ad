/** Short random ids; unique enough within one flow, and checked against it anyway. */
export function newId(prefix: string, taken?: ReadonlySet<string>): string {
  for (;;) {
    const id = `${prefix}${Math.random().toString(36).slice(2, 8)}`;
    if (!taken?.has(id)) return id;
  }
}
