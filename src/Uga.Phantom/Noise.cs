using Uga.Imaging;

namespace Uga.Phantom;

/// <summary>
/// Stateless hashing and coherent noise. Every random choice in a phantom comes from a hash of (seed, purpose,
/// absolute position), never from a running generator, so a pixel's value cannot depend on what was rendered
/// before it or on where a tile boundary falls.
/// </summary>
internal static class Noise
{
    public static ulong Mix(ulong z) => StableHash.Mix(z);

    public static ulong Hash(ulong key, long ix, long iy) =>
        Mix(Mix(key ^ Mix((ulong)ix)) + (ulong)iy);

    public static ulong Key(ulong seed, string purpose)
    {
        ulong h = Mix(seed);
        foreach (var c in purpose) h = Mix(h ^ c);
        return h;
    }

    /// <summary>Uniform in [0, 1) from the top 53 bits.</summary>
    public static double Unit(ulong h) => (h >> 11) * (1.0 / (1UL << 53));

    public static double Unit(ulong key, long ix, long iy) => Unit(Hash(key, ix, iy));

    /// <summary>Value noise in [0, 1): hashed lattice values blended with a quintic fade (C2-smooth).</summary>
    public static double Value(ulong key, double x, double y)
    {
        double fx = Math.Floor(x), fy = Math.Floor(y);
        long ix = (long)fx, iy = (long)fy;
        double tx = Fade(x - fx), ty = Fade(y - fy);
        double a = Unit(key, ix, iy), b = Unit(key, ix + 1, iy);
        double c = Unit(key, ix, iy + 1), d = Unit(key, ix + 1, iy + 1);
        double top = a + ((b - a) * tx), bottom = c + ((d - c) * tx);
        return top + ((bottom - top) * ty);
    }

    /// <summary>Fractal sum of <paramref name="octaves"/> value-noise layers, normalised back to [0, 1).</summary>
    public static double Fbm(ulong key, double x, double y, int octaves)
    {
        double sum = 0, amplitude = 1, norm = 0;
        for (int o = 0; o < octaves; o++)
        {
            // Offset each octave so lattice points of different octaves do not line up.
            sum += amplitude * Value(key + (ulong)o, x + (o * 17.31), y - (o * 9.73));
            norm += amplitude;
            amplitude *= 0.5;
            x *= 2.03;
            y *= 2.03;
        }
        return sum / norm;
    }

    public static double Smoothstep(double edge0, double edge1, double x)
    {
        double t = Math.Clamp((x - edge0) / (edge1 - edge0), 0, 1);
        return t * t * (3 - (2 * t));
    }

    private static double Fade(double t) => t * t * t * ((t * ((t * 6) - 15)) + 10);
}

/// <summary>A short deterministic stream of numbers for one grid cell, seeded by the cell's hash.</summary>
internal struct CellRandom(ulong state)
{
    private ulong _state = state;

    public double Next()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Noise.Unit(Noise.Mix(_state));
    }

    public double Range(double min, double max) => min + ((max - min) * Next());
}
