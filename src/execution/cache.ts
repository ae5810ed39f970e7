/**
 * A cache bounded by a budget of its entries' sizes (bytes, or 1 per entry), recently used entries kept: two
 * generations (the scheme of `quick-lru`). Entries go into the young map; once it holds half the budget it becomes
 * the old one and the previous old one is dropped; a hit in the old map moves the entry back to the young one. A
 * hit in the young map is one `Map.get` — a strict LRU's delete-and-reinsert on every hit cost 20× that, on the
 * executor's hottest path (every trie node read).
 */
export function createTwoGenerationCache<V>(budget: number, sizeOf: (key: string, value: V) => number) {
  const half = budget / 2;
  let young = new Map<string, V>();
  let old = new Map<string, V>();
  let youngSize = 0;
  let oldSize = 0;
  const insert = (key: string, value: V, size: number) => {
    young.set(key, value);
    youngSize += size;
    if (youngSize >= half) {
      old = young;
      oldSize = youngSize;
      young = new Map();
      youngSize = 0;
    }
  };
  return {
    get(key: string): V | undefined {
      const value = young.get(key);
      if (value !== undefined) return value;
      const aged = old.get(key);
      if (aged !== undefined) {
        const size = sizeOf(key, aged);
        old.delete(key);
        oldSize -= size;
        insert(key, aged, size);
      }
      return aged;
    },
    set(key: string, value: V): void {
      const size = sizeOf(key, value);
      if (size > half) return;
      const current = young.get(key);
      if (current !== undefined) {
        young.delete(key);
        youngSize -= sizeOf(key, current);
      }
      const aged = old.get(key);
      if (aged !== undefined) {
        old.delete(key);
        oldSize -= sizeOf(key, aged);
      }
      insert(key, value, size);
    },
    /** Presence without refreshing recency. */
    has: (key: string) => young.has(key) || old.has(key),
    size: () => young.size + old.size,
    /** The sizes of the entries held, summed. */
    bytes: () => youngSize + oldSize,
  };
}
