using System.Globalization;
using Uga.Imaging;

using Uga.Inference;

namespace Uga.Learning;

/// <summary>
/// Random changes applied to each training patch. Geometry (flips, 90° rotations, small rescaling) preserves
/// labels exactly; stain jitter perturbs haematoxylin and eosin amounts in optical-density space, mimicking
/// lab-to-lab staining differences without inventing colours H&amp;E cannot produce.
/// </summary>
public sealed record AugmentationOptions
{
    public static AugmentationOptions None { get; } = new() { Flips = false, Rotations = false, StainScale = 0, StainShift = 0, ScaleJitter = 0 };

    public bool Flips { get; init; } = true;
    public bool Rotations { get; init; } = true;

    /// <summary>Each stain concentration is multiplied by a factor uniform in [1 - StainScale, 1 + StainScale].</summary>
    public double StainScale { get; init; } = 0.1;

    /// <summary>Each stain concentration is shifted by an OD amount uniform in [-StainShift, StainShift].</summary>
    public double StainShift { get; init; } = 0.02;

    /// <summary>Patches are sampled from a window 1/(1+j)..(1+j) times the patch size (log-uniform) and resized.</summary>
    public double ScaleJitter { get; init; } = 0.1;

    public void Validate()
    {
        if (StainScale is < 0 or >= 1) throw new InvalidInputException(null, $"stain scale jitter must be in [0, 1), got {StainScale}");
        if (StainShift is < 0 or > 1) throw new InvalidInputException(null, $"stain shift jitter must be in [0, 1], got {StainShift}");
        if (ScaleJitter is < 0 or > 1) throw new InvalidInputException(null, $"scale jitter must be in [0, 1], got {ScaleJitter}");
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"flips={Flips} rot90={Rotations} stain-scale={StainScale} stain-shift={StainShift} scale-jitter={ScaleJitter}");
}

/// <summary>Applies <see cref="AugmentationOptions"/> to square patches with a caller-owned random source.</summary>
public static class Augmentation
{
    /// <summary>Random flip/rotation of a square image and its labels (same transform for both), then stain jitter.</summary>
    public static (RgbImage Image, LabelMap Labels) Apply(RgbImage image, LabelMap labels, AugmentationOptions options, Random rng)
    {
        bool flip = options.Flips && rng.Next(2) == 1;
        int turns = options.Rotations ? rng.Next(4) : 0;
        if (flip || turns != 0)
        {
            image = Transform(image, flip, turns);
            labels = Transform(labels, flip, turns);
        }
        if (options.StainScale > 0 || options.StainShift > 0)
        {
            Span<double> scale = stackalloc double[3];
            Span<double> shift = stackalloc double[3];
            for (int s = 0; s < 3; s++)
            {
                scale[s] = 1 + (options.StainScale * ((2 * rng.NextDouble()) - 1));
                shift[s] = options.StainShift * ((2 * rng.NextDouble()) - 1);
            }
            image = StainModel.HAndE.Perturb(image, scale, shift);
        }
        return (image, labels);
    }

    /// <summary>Optional horizontal flip followed by <paramref name="turns"/> quarter turns clockwise (square rasters only).</summary>
    public static RgbImage Transform(RgbImage image, bool flip, int turns)
    {
        var result = new RgbImage(image.Width, image.Height);
        Remap(image.Width, image.Height, flip, turns, (dst, src) =>
        {
            result.Data[dst * 3] = image.Data[src * 3];
            result.Data[(dst * 3) + 1] = image.Data[(src * 3) + 1];
            result.Data[(dst * 3) + 2] = image.Data[(src * 3) + 2];
        });
        return result;
    }

    /// <inheritdoc cref="Transform(RgbImage, bool, int)"/>
    public static LabelMap Transform(LabelMap labels, bool flip, int turns)
    {
        var result = new LabelMap(labels.Width, labels.Height);
        Remap(labels.Width, labels.Height, flip, turns, (dst, src) => result.Data[dst] = labels.Data[src]);
        return result;
    }

    private static void Remap(int width, int height, bool flip, int turns, Action<int, int> copy)
    {
        if (width != height && (turns & 3) != 0) throw new ArgumentException("quarter turns need a square raster");
        int n = width;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                // Walk back from the output pixel through the rotation, then the flip.
                int sx = x, sy = y;
                for (int t = 0; t < (turns & 3); t++) (sx, sy) = (sy, n - 1 - sx);
                if (flip) sx = width - 1 - sx;
                copy((y * width) + x, (sy * width) + sx);
            }
    }
}
