using Uga.Imaging;

namespace Uga.Slides.Tissue;

/// <summary>Parameters of <see cref="TissueDetector"/>; lengths and areas are physical so they hold at any mask spacing.</summary>
public sealed record TissueDetectionOptions
{
    /// <summary>Spacing the slide is read and the mask made at (µm/px); 8–16 keeps a whole slide to a few megapixels.</summary>
    public double MaskSpacingUm { get; init; } = 8;

    /// <summary>Lowest saturation threshold: Otsu on a blank slide would split glass noise, so it may not go below this.</summary>
    public double MinSaturation { get; init; } = 0.07;

    /// <summary>Highest saturation threshold: on a slide that is nearly all tissue Otsu splits pale from dark stain instead.</summary>
    public double MaxSaturation { get; init; } = 0.25;

    /// <summary>Pixels lighter than this optical density (sum over R, G, B) are glass however saturated (dust tints).</summary>
    public double MinOpticalDensity { get; init; } = 0.15;

    /// <summary>Closing radius (µm): joins tissue fragments separated by thin pale gaps.</summary>
    public double ClosingRadiusUm { get; init; } = 16;

    /// <summary>Opening radius (µm): removes specks and thin threads.</summary>
    public double OpeningRadiusUm { get; init; } = 8;

    /// <summary>Glass regions enclosed by tissue up to this area (µm²) become tissue (lumina, tears, fat).</summary>
    public double MaxHoleAreaUm2 { get; init; } = 250_000;

    /// <summary>Tissue objects smaller than this (µm²) are dropped (debris, dust).</summary>
    public double MinTissueAreaUm2 { get; init; } = 20_000;
}

/// <summary>
/// Finds H&amp;E tissue at low resolution: stained tissue is saturated and absorbs light, glass is grey-white. A pixel
/// is tissue if its HSV saturation exceeds an Otsu threshold (clamped to a sane range) and its optical density is
/// above that of glass; the mask is then closed, opened, hole-filled and cleared of small objects.
/// </summary>
public static class TissueDetector
{
    public static TissueMask Detect(Slide slide, TissueDetectionOptions? options = null, CancellationToken cancel = default)
    {
        options ??= new TissueDetectionOptions();
        var thumbnail = slide.ReadWhole(options.MaskSpacingUm, cancel);
        return Detect(thumbnail, options.MaskSpacingUm, options);
    }

    /// <summary>Tissue mask of an RGB image whose spacing is <paramref name="spacingUm"/>.</summary>
    public static TissueMask Detect(RgbImage image, double spacingUm, TissueDetectionOptions? options = null)
    {
        options ??= new TissueDetectionOptions();
        var saturation = Saturation(image);
        double threshold = Math.Clamp(Otsu(saturation) / 255.0, options.MinSaturation, options.MaxSaturation);
        var mask = new LabelMap(image.Width, image.Height);
        var d = image.Data;
        for (int i = 0; i < mask.Data.Length; i++)
        {
            double od = StainModel.OpticalDensity(d[3 * i]) + StainModel.OpticalDensity(d[(3 * i) + 1]) + StainModel.OpticalDensity(d[(3 * i) + 2]);
            mask.Data[i] = saturation[i] > threshold * 255 && od > options.MinOpticalDensity ? (byte)1 : (byte)0;
        }

        int Pixels(double um) => (int)Math.Round(um / spacingUm);
        double pixelArea = spacingUm * spacingUm;
        mask = BinaryMorphology.Close(mask, Pixels(options.ClosingRadiusUm));
        mask = BinaryMorphology.Open(mask, Pixels(options.OpeningRadiusUm));
        BinaryMorphology.FillHoles(mask, (long)(options.MaxHoleAreaUm2 / pixelArea));
        BinaryMorphology.RemoveSmallObjects(mask, (long)Math.Ceiling(options.MinTissueAreaUm2 / pixelArea));
        return new TissueMask(mask, spacingUm);
    }

    /// <summary>HSV saturation (max − min) / max per pixel, scaled to 0–255.</summary>
    internal static byte[] Saturation(RgbImage image)
    {
        var result = new byte[image.PixelCount];
        var d = image.Data;
        for (int i = 0; i < result.Length; i++)
        {
            int r = d[3 * i], g = d[(3 * i) + 1], b = d[(3 * i) + 2];
            int max = Math.Max(r, Math.Max(g, b)), min = Math.Min(r, Math.Min(g, b));
            result[i] = max == 0 ? (byte)0 : (byte)((255 * (max - min)) / max);
        }
        return result;
    }

    /// <summary>Otsu's threshold of 8-bit values: the level that maximises the between-class variance.</summary>
    internal static int Otsu(byte[] values)
    {
        var histogram = new long[256];
        foreach (var v in values) histogram[v]++;
        double total = values.Length, sumAll = 0;
        for (int i = 0; i < 256; i++) sumAll += i * (double)histogram[i];
        double sumBelow = 0, countBelow = 0, bestVariance = -1;
        int best = 0;
        for (int t = 0; t < 256; t++)
        {
            countBelow += histogram[t];
            sumBelow += t * (double)histogram[t];
            double countAbove = total - countBelow;
            if (countBelow == 0 || countAbove == 0) continue;
            double meanBelow = sumBelow / countBelow, meanAbove = (sumAll - sumBelow) / countAbove;
            double variance = countBelow * countAbove * (meanBelow - meanAbove) * (meanBelow - meanAbove);
            if (variance > bestVariance)
            {
                bestVariance = variance;
                best = t;
            }
        }
        return best;
    }
}
