using Uga.Imaging;

namespace Uga.Inference;

/// <summary>
/// Blends overlapping patch outputs into seamless maps for one region: each patch adds window-weighted values and
/// its weights; <see cref="ToStack"/> divides the two. This is the single implementation of blending, used by
/// <see cref="TiledPredictor"/> for images and meant for the slide engine too (one accumulator per slide region,
/// patches read with context from the slide and added at their offsets).
/// Patch layout is channel-major: channel k (= sample·C + class), then row, then column.
/// </summary>
public sealed class BlendAccumulator
{
    private readonly float[][] sums;
    private readonly float[] weights;
    private readonly BlendWindow window;
    private bool consumed;

    public BlendAccumulator(PixelRegion region, int channels, BlendWindow window)
    {
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), "need at least one channel");
        Region = region;
        Channels = channels;
        this.window = window;
        weights = new float[region.Width * region.Height];
        sums = new float[channels][];
        for (int k = 0; k < channels; k++) sums[k] = new float[weights.Length];
    }

    /// <summary>The area whose blended values are kept, in the same coordinates as the patch offsets.</summary>
    public PixelRegion Region { get; }

    public int Channels { get; }
    public int PatchSize => window.PatchSize;

    /// <summary>
    /// Adds one patch output whose top-left pixel is at (<paramref name="x"/>, <paramref name="y"/>); the part
    /// outside <see cref="Region"/> is context and is dropped.
    /// </summary>
    public void Add(int x, int y, ReadOnlySpan<float> patch)
    {
        RequireOpen();
        int p = PatchSize;
        if (patch.Length != Channels * p * p)
            throw new ArgumentException($"patch has {patch.Length} values, expected {Channels}x{p}x{p}", nameof(patch));
        var inside = new PixelRegion(x, y, p, p).Intersect(Region);
        if (inside.Area == 0) return;
        var w = window.Weights;
        for (int yy = inside.Y; yy < inside.Bottom; yy++)
        {
            int src = ((yy - y) * p) + (inside.X - x);
            int dst = ((yy - Region.Y) * Region.Width) + (inside.X - Region.X);
            for (int i = 0; i < inside.Width; i++) weights[dst + i] += w[src + i];
            for (int k = 0; k < Channels; k++)
            {
                var sum = sums[k];
                var values = patch.Slice((k * p * p) + src, inside.Width);
                for (int i = 0; i < inside.Width; i++) sum[dst + i] += w[src + i] * values[i];
            }
        }
    }

    /// <summary>Adds patches of a batch laid out N × channels × P × P, the n-th at <paramref name="offsets"/>[n].</summary>
    public void AddBatch(IReadOnlyList<(int X, int Y)> offsets, ReadOnlySpan<float> batch)
    {
        int size = Channels * PatchSize * PatchSize;
        if (batch.Length != offsets.Count * size)
            throw new ArgumentException($"batch has {batch.Length} values, expected {offsets.Count}x{size}", nameof(batch));
        for (int n = 0; n < offsets.Count; n++)
            Add(offsets[n].X, offsets[n].Y, batch.Slice(n * size, size));
    }

    /// <summary>True when every pixel of the region has received some weight.</summary>
    public bool IsComplete => Array.TrueForAll(weights, w => w > 0);

    /// <summary>
    /// The blended probabilities of the region as S samples × C classes; throws if a pixel was never covered
    /// (a tiling bug, not bad input). The sums are divided in place and become the planes — a slide block's
    /// stack is tens of MB, and a second copy per block was most of the garbage that set a whole slide's peak
    /// memory — so the accumulator is used up: adding to it afterwards throws.
    /// </summary>
    public SampleProbabilities ToStack(int samples, int classes)
    {
        if (samples * classes != Channels)
            throw new ArgumentException($"{samples}x{classes} does not match {Channels} channels", nameof(samples));
        if (!IsComplete) throw new InvalidOperationException($"region {Region} is not fully covered by the patches added");
        RequireOpen();
        consumed = true;
        var planes = new FloatMap[Channels];
        for (int k = 0; k < Channels; k++)
        {
            var sum = sums[k];
            for (int i = 0; i < weights.Length; i++) sum[i] /= weights[i];
            planes[k] = new FloatMap(Region.Width, Region.Height, sum);
        }
        return new SampleProbabilities(samples, classes, planes);
    }

    private void RequireOpen()
    {
        if (consumed) throw new InvalidOperationException($"the accumulator of {Region} was turned into its stack already");
    }
}
