using Microsoft.Extensions.Caching.Memory;

namespace Uga.Server;

/// <summary>Encoded tiles kept in memory up to a byte budget (least recently used go first).</summary>
public sealed class TileCache(long capacityBytes) : IDisposable
{
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = capacityBytes, CompactionPercentage = 0.25 });

    /// <summary>The tile under <paramref name="key"/>, rendered by <paramref name="render"/> on a miss; hit says which.</summary>
    public (byte[] Bytes, bool Hit) Get(string key, Func<byte[]> render)
    {
        if (cache.TryGetValue(key, out byte[]? bytes) && bytes is not null) return (bytes, true);
        bytes = render();
        cache.Set(key, bytes, new MemoryCacheEntryOptions { Size = bytes.Length + 64 });
        return (bytes, false);
    }

    public void Dispose() => cache.Dispose();
}
