using Uga.Imaging;

using Uga.Inference;

namespace Uga.Learning;

/// <summary>
/// Draws random square training patches (with augmentation) from samples already at the model's spacing.
/// Plain mode picks a sample with probability ∝ weight × area and a uniform position; class-balanced mode picks a
/// class uniformly among those present, then a pixel of that class (samples ∝ weight × that class's pixel count),
/// and centres the patch on it, so rare classes are seen as often as common ones. Outside an image, patches are
/// white glass labelled <see cref="LabelMap.Ignore"/>. All randomness comes from the caller's <see cref="Random"/>.
/// </summary>
public sealed class PatchSampler
{
    private readonly IReadOnlyList<SegmentationSample> samples;
    private readonly int patchSize;
    private readonly bool classBalanced;
    private readonly AugmentationOptions augmentation;
    private readonly Random rng;
    private readonly double[] areaCumulative;
    private readonly int[] presentClasses;
    private readonly int[][][] pixelsByClass = [];      // [sample][class] -> pixel indices
    private readonly double[][] classCumulative = [];   // [class] -> cumulative weight over samples

    public PatchSampler(IReadOnlyList<SegmentationSample> samples, int patchSize, int classCount, bool classBalanced,
        AugmentationOptions augmentation, Random rng)
    {
        if (samples.Count == 0) throw new InvalidInputException(null, "no training samples");
        foreach (var s in samples) s.Validate();
        this.samples = samples;
        this.patchSize = patchSize;
        this.classBalanced = classBalanced;
        this.augmentation = augmentation;
        this.rng = rng;
        areaCumulative = Cumulative(samples.Select(s => s.Weight * s.Labels.PixelCount));
        if (!classBalanced)
        {
            presentClasses = [];
            return;
        }
        pixelsByClass = samples.Select(s => IndexPixels(s.Labels, classCount)).ToArray();
        classCumulative = Enumerable.Range(0, classCount)
            .Select(c => Cumulative(samples.Select((s, i) => s.Weight * pixelsByClass[i][c].Length)))
            .ToArray();
        presentClasses = Enumerable.Range(0, classCount).Where(c => classCumulative[c][^1] > 0).ToArray();
        if (presentClasses.Length == 0) throw new InvalidInputException(null, "training labels contain no class pixels (all ignore)");
    }

    /// <summary>The next augmented patch.</summary>
    public (RgbImage Image, LabelMap Labels) Next()
    {
        int sampleIndex, cx, cy;
        if (classBalanced)
        {
            int c = presentClasses[rng.Next(presentClasses.Length)];
            sampleIndex = Pick(classCumulative[c]);
            var pixels = pixelsByClass[sampleIndex][c];
            int p = pixels[rng.Next(pixels.Length)];
            var labels = samples[sampleIndex].Labels;
            (cx, cy) = (p % labels.Width, p / labels.Width);
        }
        else
        {
            sampleIndex = Pick(areaCumulative);
            var labels = samples[sampleIndex].Labels;
            cx = RandomCentre(labels.Width);
            cy = RandomCentre(labels.Height);
        }
        var (image, patchLabels) = Cut(samples[sampleIndex], cx, cy, WindowSize());
        return Augmentation.Apply(image, patchLabels, augmentation, rng);
    }

    private int WindowSize()
    {
        if (augmentation.ScaleJitter <= 0) return patchSize;
        double range = Math.Log(1 + augmentation.ScaleJitter);
        return Math.Max(1, (int)Math.Round(patchSize * Math.Exp(range * ((2 * rng.NextDouble()) - 1))));
    }

    // A centre such that the whole patch fits when the image is large enough; otherwise anywhere in the image.
    private int RandomCentre(int extent)
    {
        int half = patchSize / 2;
        return extent >= patchSize ? half + rng.Next(extent - patchSize + 1) : rng.Next(extent);
    }

    private (RgbImage, LabelMap) Cut(SegmentationSample sample, int cx, int cy, int window)
    {
        var region = new PixelRegion(cx - (window / 2), cy - (window / 2), window, window);
        var image = sample.Image.Crop(region);
        var labels = sample.Labels.Crop(region, LabelMap.Ignore);
        if (window != patchSize)
        {
            image = Resample.Rgb(image, patchSize, patchSize);
            labels = Resample.Labels(labels, patchSize, patchSize);
        }
        return (image, labels);
    }

    private int Pick(double[] cumulative)
    {
        double r = rng.NextDouble() * cumulative[^1];
        int i = Array.BinarySearch(cumulative, r);
        i = i < 0 ? ~i : i + 1;
        // Skip zero-weight entries that share a cumulative value with their predecessor.
        while (i < cumulative.Length - 1 && (i > 0 ? cumulative[i] - cumulative[i - 1] : cumulative[i]) <= 0) i++;
        return Math.Min(i, cumulative.Length - 1);
    }

    private static double[] Cumulative(IEnumerable<double> weights)
    {
        var list = weights.ToArray();
        for (int i = 1; i < list.Length; i++) list[i] += list[i - 1];
        return list;
    }

    private static int[][] IndexPixels(LabelMap labels, int classCount)
    {
        var counts = new int[classCount];
        foreach (var v in labels.Data)
            if (v < classCount) counts[v]++;
        var result = counts.Select(n => new int[n]).ToArray();
        Array.Clear(counts);
        for (int i = 0; i < labels.Data.Length; i++)
        {
            int v = labels.Data[i];
            if (v < classCount) result[v][counts[v]++] = i;
        }
        return result;
    }
}
