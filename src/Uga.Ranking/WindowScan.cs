using System.Numerics;
using Uga.Imaging;

namespace Uga.Ranking;

/// <summary>
/// SIMD scans of one patch window of a float map. Summed-area tables would answer sums in O(1) but cost 8 bytes
/// per pixel per map (twice the map) and cannot give maxima or counts above a per-patch threshold, so patch
/// features are scanned: pass 1 gives sum, max and valid pixels, pass 2 the counts once the thresholds are known.
/// NaN pixels (no data) are skipped: they add nothing to the sum or the counts and are not valid pixels.
/// </summary>
internal static class WindowScan
{
    public static (double Sum, float Max, long Pixels) SumMax(FloatMap map, PixelRegion window)
    {
        double sum = 0;
        float max = float.NegativeInfinity;
        long pixels = 0;
        int lanes = Vector<float>.Count;
        for (int y = window.Y; y < window.Bottom; y++)
        {
            var row = map.Data.AsSpan((y * map.Width) + window.X, window.Width);
            var vSum = Vector<float>.Zero;
            var vMax = new Vector<float>(float.NegativeInfinity);
            int i = 0, rowValid = 0;
            for (; i <= row.Length - lanes; i += lanes)
            {
                var v = new Vector<float>(row.Slice(i, lanes));
                if (!Vector.EqualsAll(v, v)) break; // a NaN: finish the row on the scalar path
                vSum += v;
                vMax = Vector.Max(vMax, v);
                rowValid += lanes;
            }
            double rowSum = Vector.Sum(vSum);
            for (int l = 0; l < lanes; l++) max = Math.Max(max, vMax[l]);
            for (; i < row.Length; i++)
            {
                float v = row[i];
                if (float.IsNaN(v)) continue;
                rowSum += v;
                rowValid++;
                if (v > max) max = v;
            }
            sum += rowSum;
            pixels += rowValid;
        }
        return (sum, max, pixels);
    }

    /// <summary>
    /// The window's values strictly above <paramref name="threshold"/> (compared in float), in scan order: with them a
    /// count above any higher threshold needs no map. Not sorted: a sort would cost every unit more than the few
    /// reductions that count them save.
    /// </summary>
    /// <param name="count">How many there are (from <see cref="CountAbove(FloatMap, PixelRegion, double, double, double)"/>).</param>
    public static float[] ValuesAbove(FloatMap map, PixelRegion window, double threshold, long count)
    {
        float t = (float)threshold;
        var values = new float[count];
        int n = 0;
        for (int y = window.Y; y < window.Bottom; y++)
            foreach (float v in map.Data.AsSpan((y * map.Width) + window.X, window.Width))
                if (v > t) values[n++] = v;
        return values;
    }

    /// <summary>How many of <paramref name="values"/> are strictly above <paramref name="threshold"/>.</summary>
    public static long CountAbove(float[] values, float threshold)
    {
        long n = 0;
        foreach (float v in values)
            if (v > threshold) n++;
        return n;
    }

    /// <summary>
    /// Pixels with value strictly above each threshold. Thresholds are rounded to float and compared in float, as
    /// the float32 arrays of the reference scripts do (u &gt; 0.8 · u.max() in NumPy/PyTorch stays float32).
    /// </summary>
    public static (long A, long B, long C) CountAbove(FloatMap map, PixelRegion window, double a, double b, double c)
    {
        float fa = (float)a, fb = (float)b, fc = (float)c;
        var va = new Vector<float>(fa);
        var vb = new Vector<float>(fb);
        var vc = new Vector<float>(fc);
        long na = 0, nb = 0, nc = 0;
        int lanes = Vector<float>.Count;
        for (int y = window.Y; y < window.Bottom; y++)
        {
            var row = map.Data.AsSpan((y * map.Width) + window.X, window.Width);
            Vector<int> ca = Vector<int>.Zero, cb = Vector<int>.Zero, cc = Vector<int>.Zero;
            int i = 0;
            for (; i <= row.Length - lanes; i += lanes)
            {
                var v = new Vector<float>(row.Slice(i, lanes));
                ca -= Vector.GreaterThan(v, va); // "true" lanes are -1
                cb -= Vector.GreaterThan(v, vb);
                cc -= Vector.GreaterThan(v, vc);
            }
            na += Vector.Sum(ca);
            nb += Vector.Sum(cb);
            nc += Vector.Sum(cc);
            for (; i < row.Length; i++)
            {
                float v = row[i];
                if (v > fa) na++;
                if (v > fb) nb++;
                if (v > fc) nc++;
            }
        }
        return (na, nb, nc);
    }
}
