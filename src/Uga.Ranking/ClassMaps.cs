using System.Globalization;
using Uga.Imaging;

namespace Uga.Ranking;

/// <summary>
/// Per-class maps derived from the ensemble's mean class probabilities p̄, reduced over each candidate like any
/// uncertainty map, so class-aware strategies read patch means: <c>class-share:c</c> is 1 where c is the predicted
/// label (its patch mean is the predicted-label histogram) and <c>class-entropy:c</c> is H(p̄)·p̄_c (its patch mean
/// is the class-weighted predictive entropy of ClaSP PE; summed over c it is the patch's mean entropy).
/// </summary>
public static class ClassMaps
{
    private const string SharePrefix = "class-share:";
    private const string EntropyPrefix = "class-entropy:";

    /// <summary>The map name of the predicted-label indicator of class <paramref name="c"/>.</summary>
    public static string Share(int c) => SharePrefix + c.ToString(CultureInfo.InvariantCulture);

    /// <summary>The map name of H(p̄)·p̄_c.</summary>
    public static string Entropy(int c) => EntropyPrefix + c.ToString(CultureInfo.InvariantCulture);

    /// <summary>Number of classes a candidate carries class maps for (0 when it carries none).</summary>
    public static int ClassCount(Candidate c)
    {
        int n = 0;
        while (c.Measures.ContainsKey(Share(n))) n++;
        return n;
    }

    /// <summary>
    /// Both maps for every class from the mean probabilities (one map per class, all the same size). Ties in the
    /// predicted label go to the lower class, as argmax does.
    /// </summary>
    public static Dictionary<string, FloatMap> FromProbabilities(IReadOnlyList<FloatMap> mean)
    {
        if (mean.Count < 2) throw new ArgumentException($"need at least 2 class probability maps, got {mean.Count}", nameof(mean));
        int width = mean[0].Width, height = mean[0].Height, classes = mean.Count;
        if (mean.Any(m => m.Width != width || m.Height != height))
            throw new ArgumentException("class probability maps differ in size", nameof(mean));
        var share = Enumerable.Range(0, classes).Select(_ => new FloatMap(width, height)).ToArray();
        var entropy = Enumerable.Range(0, classes).Select(_ => new FloatMap(width, height)).ToArray();
        Parallel.For(0, height, y =>
        {
            for (int i = y * width; i < (y + 1) * width; i++)
            {
                double h = 0;
                int best = 0;
                for (int c = 0; c < classes; c++)
                {
                    float p = mean[c].Data[i];
                    if (p > mean[best].Data[i]) best = c;
                    h -= p * Math.Log(Math.Max(p, 1e-7));
                }
                share[best].Data[i] = 1;
                for (int c = 0; c < classes; c++) entropy[c].Data[i] = (float)(h * mean[c].Data[i]);
            }
        });
        var maps = new Dictionary<string, FloatMap>(StringComparer.Ordinal);
        for (int c = 0; c < classes; c++)
        {
            maps[Share(c)] = share[c];
            maps[Entropy(c)] = entropy[c];
        }
        return maps;
    }

    /// <summary>Patch means of the predicted-label indicator per class: the label histogram (sums to 1).</summary>
    public static double[] LabelHistogram(Candidate c)
    {
        int classes = RequireClasses(c);
        return [.. Enumerable.Range(0, classes).Select(k => c.Measure(Share(k)).Mean)];
    }

    /// <summary>Patch means of H(p̄)·p̄_c per class.</summary>
    public static double[] ClassEntropy(Candidate c)
    {
        int classes = RequireClasses(c);
        return [.. Enumerable.Range(0, classes).Select(k => c.Measure(Entropy(k)).Mean)];
    }

    private static int RequireClasses(Candidate c)
    {
        int classes = ClassCount(c);
        if (classes < 2)
            throw new InvalidInputException(c.SlideId, "this strategy needs the class probability maps, but the candidates carry none");
        return classes;
    }
}
