using Uga.Imaging;
using Uga.Inference;

namespace Uga.Inference.Uncertainty;

/// <summary>
/// The registry of uncertainty measures, selectable by name. All use the natural logarithm; probabilities are
/// clamped from below by <see cref="Epsilon"/> before a logarithm is taken so that a confident member (p = 0 for
/// some class) gives a large but finite value: log(1e-7) ≈ −16.12 bounds the per-class penalty.
/// </summary>
public static class UncertaintyMeasures
{
    /// <summary>Lower clamp applied to a probability before its logarithm.</summary>
    public const double Epsilon = 1e-7;

    public const string Default = "ensemble-ce";

    private static readonly Dictionary<string, IUncertaintyMeasure> Registered = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    static UncertaintyMeasures()
    {
        Register(new EnsembleCrossEntropy());
        Register(new PredictiveEntropy());
        Register(new MutualInformation());
        Register(new MemberVariance());
        Register(new LabelDisagreement());
    }

    /// <summary>Names of every registered measure, sorted.</summary>
    public static IReadOnlyList<string> Names
    {
        get
        {
            lock (Gate) return [.. Registered.Keys.Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Adds a measure (e.g. from a plug-in); a name can be registered once.</summary>
    public static void Register(IUncertaintyMeasure measure)
    {
        lock (Gate)
        {
            if (!Registered.TryAdd(measure.Name, measure))
                throw new ArgumentException($"an uncertainty measure named '{measure.Name}' is already registered", nameof(measure));
        }
    }

    /// <summary>The measure called <paramref name="name"/>; an unknown name is bad user input listing the valid ones.</summary>
    public static IUncertaintyMeasure Get(string name)
    {
        lock (Gate)
        {
            if (Registered.TryGetValue(name, out var measure)) return measure;
        }
        throw new InvalidInputException(null, $"unknown uncertainty measure '{name}' (valid: {string.Join(", ", Names)})");
    }

    /// <summary>
    /// Per-pixel uncertainty of a probability stack (S samples × C classes per pixel), computed in parallel rows.
    /// </summary>
    public static FloatMap Map(IUncertaintyMeasure measure, SampleProbabilities stack)
    {
        var result = new FloatMap(stack.Width, stack.Height);
        int s = stack.Samples, c = stack.Classes, width = stack.Width;
        Parallel.For(0, stack.Height, y =>
        {
            var pixel = new float[s * c];
            for (int x = 0; x < width; x++)
            {
                int i = (y * width) + x;
                stack.GatherPixel(i, pixel);
                result.Data[i] = (float)measure.Evaluate(pixel, s, c);
            }
        });
        return result;
    }

    internal static double SafeLog(double p) => Math.Log(Math.Max(p, Epsilon));

    /// <summary>p̄: the mean over samples, per class.</summary>
    internal static void Mean(ReadOnlySpan<float> p, int samples, int classes, Span<double> mean)
    {
        mean.Clear();
        for (int s = 0; s < samples; s++)
            for (int c = 0; c < classes; c++)
                mean[c] += p[(s * classes) + c];
        for (int c = 0; c < classes; c++)
            mean[c] /= samples;
    }

    /// <summary>Shannon entropy −Σ p log p (0 log 0 = 0 through the clamp).</summary>
    internal static double Entropy(ReadOnlySpan<double> p)
    {
        double h = 0;
        foreach (var v in p) h -= v * SafeLog(v);
        return h;
    }

    internal static double Entropy(ReadOnlySpan<float> p)
    {
        double h = 0;
        foreach (var v in p) h -= v * SafeLog(v);
        return h;
    }

    /// <summary>Cross-entropy −Σ target·log prediction.</summary>
    internal static double CrossEntropy(ReadOnlySpan<double> target, ReadOnlySpan<float> prediction)
    {
        double ce = 0;
        for (int c = 0; c < target.Length; c++) ce -= target[c] * SafeLog(prediction[c]);
        return ce;
    }

    /// <summary>Kullback–Leibler divergence KL(p‖q) = Σ p (log p − log q), with the same clamp as the rest.</summary>
    public static double KullbackLeibler(ReadOnlySpan<double> p, ReadOnlySpan<float> q)
    {
        double kl = 0;
        for (int c = 0; c < p.Length; c++) kl += p[c] * (SafeLog(p[c]) - SafeLog(q[c]));
        return kl;
    }
}
