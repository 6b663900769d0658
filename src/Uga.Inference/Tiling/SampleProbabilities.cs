using Uga.Imaging;

namespace Uga.Inference;

/// <summary>
/// Per-pixel class probabilities of S samples (ensemble members, MC-dropout passes or test-time augmentations):
/// one <see cref="FloatMap"/> plane per (sample, class), plane index s·C + c. Everything downstream (mean,
/// labels, uncertainty) is derived from it.
/// </summary>
public sealed class SampleProbabilities
{
    private readonly FloatMap[] planes;

    public SampleProbabilities(int samples, int classes, IReadOnlyList<FloatMap> planes)
    {
        if (samples < 1 || classes < 1) throw new ArgumentOutOfRangeException(nameof(samples), "need at least one sample and one class");
        if (planes.Count != samples * classes)
            throw new ArgumentException($"expected {samples * classes} planes for {samples}x{classes}, got {planes.Count}", nameof(planes));
        if (planes.Any(p => p.Width != planes[0].Width || p.Height != planes[0].Height))
            throw new ArgumentException("all planes must have the same size", nameof(planes));
        Samples = samples;
        Classes = classes;
        this.planes = [.. planes];
    }

    public int Samples { get; }
    public int Classes { get; }
    public int Width => planes[0].Width;
    public int Height => planes[0].Height;

    /// <summary>Probability of <paramref name="classIndex"/> according to sample <paramref name="sample"/>.</summary>
    public FloatMap this[int sample, int classIndex] => planes[(sample * Classes) + classIndex];

    /// <summary>Copies the S×C probabilities of pixel <paramref name="index"/> (y·W + x) into <paramref name="target"/>.</summary>
    public void GatherPixel(int index, Span<float> target)
    {
        for (int i = 0; i < planes.Length; i++) target[i] = planes[i].Data[index];
    }

    /// <summary>p̄: the per-class mean over samples.</summary>
    public IReadOnlyList<FloatMap> Mean()
    {
        var result = new FloatMap[Classes];
        for (int c = 0; c < Classes; c++)
        {
            var mean = new FloatMap(Width, Height);
            var sum = mean.Data;
            for (int s = 0; s < Samples; s++)
            {
                var src = this[s, c].Data;
                for (int i = 0; i < sum.Length; i++) sum[i] += src[i];
            }
            float inv = 1f / Samples;
            for (int i = 0; i < sum.Length; i++) sum[i] *= inv;
            result[c] = mean;
        }
        return result;
    }

    /// <summary>The most probable class per pixel (first class wins ties).</summary>
    public static LabelMap ArgMax(IReadOnlyList<FloatMap> classProbabilities)
    {
        var first = classProbabilities[0];
        var labels = new LabelMap(first.Width, first.Height);
        var best = (float[])first.Data.Clone();
        for (int c = 1; c < classProbabilities.Count; c++)
        {
            var p = classProbabilities[c].Data;
            for (int i = 0; i < best.Length; i++)
            {
                if (p[i] > best[i])
                {
                    best[i] = p[i];
                    labels.Data[i] = (byte)c;
                }
            }
        }
        return labels;
    }

    /// <summary>
    /// The stack on another pixel grid. Bilinear weights are convex, so every resampled vector is still a
    /// probability distribution.
    /// </summary>
    public SampleProbabilities Resample(int width, int height) =>
        width == Width && height == Height
            ? this
            : new SampleProbabilities(Samples, Classes, [.. planes.Select(p => Uga.Imaging.Resample.Floats(p, width, height))]);
}
