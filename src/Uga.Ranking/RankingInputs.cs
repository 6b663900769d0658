using Uga.Imaging;

namespace Uga.Ranking;

/// <summary>A per-pixel map (uncertainty measure) and the spacing it was computed at.</summary>
public sealed record SpacedMap(FloatMap Map, double SpacingUm);

/// <summary>A label raster (error mask, tissue mask) and its spacing; nonzero and not Ignore means "set".</summary>
public sealed record SpacedMask(LabelMap Mask, double SpacingUm);

/// <summary>An RGB image (usually a thumbnail) and its spacing, for colour statistics.</summary>
public sealed record SpacedImage(RgbImage Image, double SpacingUm);

/// <summary>
/// One slide (or tile image) of the pool: its extent at <see cref="SpacingUm"/> (usually level 0), its
/// uncertainty maps by measure name, optionally where the tissue is and a colour image.
/// </summary>
public sealed record RankingSlide(string Id, int Width, int Height, double SpacingUm)
{
    public IReadOnlyDictionary<string, SpacedMap> Measures { get; init; } = new Dictionary<string, SpacedMap>();

    /// <summary>Where the tissue is; null means the whole slide is tissue (e.g. GlaS/MoNuSeg tiles).</summary>
    public ITissueFraction? Tissue { get; init; }

    public SpacedImage? Colour { get; init; }

    /// <summary>A tile image whose measure maps all have the image's own size and spacing.</summary>
    public static RankingSlide OfImage(string id, double spacingUm, IReadOnlyDictionary<string, FloatMap> measures)
    {
        if (measures.Count == 0) throw new InvalidInputException(id, "no uncertainty maps given");
        var first = measures.Values.First();
        return new RankingSlide(id, first.Width, first.Height, spacingUm)
        {
            Measures = measures.ToDictionary(kv => kv.Key, kv => new SpacedMap(kv.Value, spacingUm), StringComparer.Ordinal),
        };
    }
}

/// <summary>
/// Tissue fraction from a mask raster at some spacing (e.g. a TissueMask thumbnail), answered with an integral
/// image so each query costs four look-ups whatever the patch size.
/// </summary>
public sealed class MaskTissueFraction : ITissueFraction
{
    private readonly IntegralImage _integral;
    private readonly double _spacingUm;

    /// <summary>Tissue where the label is nonzero and not <see cref="LabelMap.Ignore"/>.</summary>
    public MaskTissueFraction(LabelMap mask, double spacingUm)
        : this(IntegralImage.OfMask(mask, v => v != 0 && v != LabelMap.Ignore), spacingUm)
    {
    }

    private MaskTissueFraction(IntegralImage integral, double spacingUm)
    {
        SpacingMath.RequirePositive(spacingUm, "tissue mask");
        _integral = integral;
        _spacingUm = spacingUm;
    }

    /// <summary>Tissue where a probability/score map is at least <paramref name="threshold"/>.</summary>
    public static MaskTissueFraction FromScores(FloatMap map, double spacingUm, float threshold = 0.5f)
    {
        var mask = new LabelMap(map.Width, map.Height);
        for (int i = 0; i < mask.Data.Length; i++) mask.Data[i] = map.Data[i] >= threshold ? (byte)1 : (byte)0;
        return new MaskTissueFraction(mask, spacingUm);
    }

    /// <summary>Tissue where <paramref name="tissue"/> is true (row-major, <paramref name="width"/> wide).</summary>
    public static MaskTissueFraction FromBools(bool[] tissue, int width, double spacingUm)
    {
        if (width <= 0 || tissue.Length % width != 0)
            throw new ArgumentException($"mask of {tissue.Length} values is not a multiple of width {width}", nameof(tissue));
        var mask = new LabelMap(width, tissue.Length / width);
        for (int i = 0; i < tissue.Length; i++) mask.Data[i] = tissue[i] ? (byte)1 : (byte)0;
        return new MaskTissueFraction(mask, spacingUm);
    }

    public double TissueFraction(PixelRegion region, double spacingUm)
    {
        var r = SpacingMath.Convert(region, spacingUm, _spacingUm);
        return Math.Clamp(_integral.Sum(r) / r.Area, 0, 1);
    }
}
