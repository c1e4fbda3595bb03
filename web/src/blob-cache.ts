// Content-addressed downloads kept in the browser's Cache API: artifacts by sha256, weights by version and
// shards by URL are immutable, so a returning tab skips them. Falls back to memory where Cache API is absent.

const memory = new Map<string, Uint8Array>();
const cacheName = 'tessera-blobs-v1';

export async function cachedBytes(key: string, download: () => Promise<Uint8Array>): Promise<{ bytes: Uint8Array; hit: boolean }> {
  const hitInMemory = memory.get(key);
  if (hitInMemory) return { bytes: hitInMemory, hit: true };
  const cache = typeof caches !== 'undefined' ? await caches.open(cacheName).catch(() => undefined) : undefined;
  const request = new Request(new URL(`/__tessera_cache/${encodeURIComponent(key)}`, self.location.origin).toString());
  const stored = cache ? await cache.match(request) : undefined;
  if (stored) {
    const bytes = new Uint8Array(await stored.arrayBuffer());
    remember(key, bytes);
    return { bytes, hit: true };
  }
  const bytes = await download();
  if (cache) await cache.put(request, new Response(bytes.slice().buffer)).catch(() => undefined); // quota errors only cost speed
  remember(key, bytes);
  return { bytes, hit: false };
}

function remember(key: string, bytes: Uint8Array) {
  if (memory.size > 16) memory.delete(memory.keys().next().value!);
  memory.set(key, bytes);
}
