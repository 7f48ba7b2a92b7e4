/**
 * A role's `since` as membership rows store it in their roles JSON (ISO text, toISOString's
 * form) and as the domain holds it (epoch milliseconds), both ways remembered: a batch writes and
 * reads the same few instants row after row (a role's since is a fact's valid time), and a Date
 * printed or parsed each time was a visible share of the projector's CPU at 1,000,000 events.
 */
export const roleSinceText = remembered((ms: number) => new Date(ms).toISOString());
export const roleSinceMs = remembered((text: string) => Date.parse(text));

/** A pure conversion with its last results kept (forgotten all at once past 10,000). */
function remembered<K, V>(convert: (key: K) => V): (key: K) => V {
  const known = new Map<K, V>();
  return (key) => {
    let value = known.get(key);
    if (value === undefined) {
      if (known.size >= 10_000) known.clear();
      value = convert(key);
      known.set(key, value);
    }
    return value;
  };
}
