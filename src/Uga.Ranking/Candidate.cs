using Uga.Imaging;

namespace Uga.Ranking;

/// <summary>
/// Statistics of one uncertainty measure inside one candidate patch, measured on the measure's own map pixels.
/// The three counts use the same factor (0.8 by default) times three different maxima: the patch's own maximum
/// (the paper's seed code), the slide's maximum and the pool's maximum (over tissue patches).
/// </summary>
public readonly record struct MeasureStats(
    double Sum, double Mean, double Max, long PatchCount, long SlideCount, long PoolCount, long Pixels);

/// <summary>Mean colour of a patch (0–255 per channel), the fallback feature for diversity clustering.</summary>
public readonly record struct MeanColour(double R, double G, double B);

/// <summary>
/// A patch that may be shown to the pathologist. <see cref="Region"/> is in pixels at <see cref="SpacingUm"/> µm/px
/// and is where the features were measured; <see cref="ShownRegion"/> adds the selection's optional jitter.
/// </summary>
public sealed record Candidate
{
    public required string SlideId { get; init; }

    /// <summary>Patch at <see cref="SpacingUm"/>; the features below were measured here.</summary>
    public required PixelRegion Region { get; init; }

    public required double SpacingUm { get; init; }

    /// <summary>Slide extent in pixels at <see cref="SpacingUm"/>, so jitter can be clamped inside the slide.</summary>
    public required int SlideWidth { get; init; }

    public required int SlideHeight { get; init; }

    public double TissueFraction { get; init; } = 1;

    /// <summary>Per-measure statistics keyed by measure name (e.g. "ensemble-ce", "mutual-information").</summary>
    public IReadOnlyDictionary<string, MeasureStats> Measures { get; init; } = new Dictionary<string, MeasureStats>();

    public MeanColour? Colour { get; init; }

    /// <summary>Optional feature vector (e.g. the model's pooled bottleneck features) for diversity clustering.</summary>
    public float[]? Embedding { get; init; }

    /// <summary>Score given by the strategy that selected or scored this candidate; NaN until scored.</summary>
    public double Score { get; init; } = double.NaN;

    /// <summary>1-based position in a selection; 0 when not selected.</summary>
    public int Rank { get; init; }

    /// <summary>Offset (pixels at <see cref="SpacingUm"/>) applied by selection jitter; (0, 0) without jitter.</summary>
    public int JitterX { get; init; }

    public int JitterY { get; init; }

    public int PatchSize => Region.Width;

    public PixelRegion ShownRegion => Region with { X = Region.X + JitterX, Y = Region.Y + JitterY };

    /// <summary>Identity of the grid cell: slide plus measured region (jitter does not change it).</summary>
    public (string SlideId, PixelRegion Region) Key => (SlideId, Region);

    public (double X, double Y) CentreUm =>
        ((Region.X + (Region.Width / 2.0)) * SpacingUm, (Region.Y + (Region.Height / 2.0)) * SpacingUm);

    /// <summary>The shown region expressed at another spacing (e.g. a slide's level-0 spacing), rounded outwards.</summary>
    public PixelRegion ShownRegionAt(double spacingUm) => SpacingMath.Convert(ShownRegion, SpacingUm, spacingUm);

    /// <summary>Statistics of <paramref name="measure"/>; a clear error naming the measures present when absent.</summary>
    public MeasureStats Measure(string measure)
    {
        if (Measures.TryGetValue(measure, out var stats)) return stats;
        var present = Measures.Count == 0 ? "none" : string.Join(", ", Measures.Keys.Order(StringComparer.Ordinal));
        throw new InvalidInputException(SlideId, $"no '{measure}' uncertainty map for this slide (measures present: {present})");
    }

    /// <summary>Canonical order (slide id, then row, then column) used to break ties so results never depend on input order.</summary>
    internal static int CompareCanonical(Candidate a, Candidate b)
    {
        int c = string.CompareOrdinal(a.SlideId, b.SlideId);
        if (c != 0) return c;
        c = a.Region.Y.CompareTo(b.Region.Y);
        if (c != 0) return c;
        c = a.Region.X.CompareTo(b.Region.X);
        return c != 0 ? c : a.Region.Width.CompareTo(b.Region.Width);
    }
}
