using System.Text;

namespace Uga.Imaging;

/// <summary>
/// Process-independent hashing, for everything that must come out the same in every run and on every machine
/// (random scores, phantom noise, data splits, per-case seeds); string.GetHashCode is randomised per process.
/// </summary>
public static class StableHash
{
    /// <summary>SplitMix64 finaliser: a cheap bijection with good avalanche, so neighbouring keys get unrelated values.</summary>
    public static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>64-bit FNV-1a over the UTF-16 code units of <paramref name="s"/>.</summary>
    public static ulong OfString(string s)
    {
        ulong h = 1469598103934665603UL;
        foreach (char c in s)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        return h;
    }

    /// <summary>32-bit FNV-1a over the UTF-8 bytes of <paramref name="s"/>.</summary>
    public static uint Fnv32(string s)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(s)) hash = (hash ^ b) * 16777619;
        return hash;
    }
}
