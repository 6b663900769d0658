using Uga.Imaging;
using Uga.Inference.Artifacts;
using Uga.Loop.Workspace.Store;

namespace Uga.Loop.Workspace;

/// <summary>One piece of a round's prediction: a whole slide, or one band of rows of a very large slide.</summary>
public sealed record PredictionPart(string SlideId, RowBand? Rows)
{
    public override string ToString() => Describe(SlideId, Rows);

    /// <summary>How a part is named to people: the slide id, and its rows when it is a band ("tall rows 0-8192").</summary>
    public static string Describe(string slideId, RowBand? rows) => rows is { } r ? $"{slideId} {r}" : slideId;
}

/// <summary>
/// Cuts a round's prediction into parts for N work units: every slide whole, except that, when the work is split
/// (N &gt; 1), a slide taller than the band height at the model's spacing is cut into row bands on the block grid, so
/// one huge slide keeps every unit busy. Slides in ordinal id order, bands in row order; the same inputs always give
/// the same parts, whatever order the slides were registered in.
/// </summary>
public static class WorkPartition
{
    /// <summary>Rows per band at the model's spacing: 8 blocks of 1024 px (8.2 mm at 1 µm/px).</summary>
    public const int DefaultBandHeight = 8192;

    public static IReadOnlyList<PredictionPart> Parts(IEnumerable<SlideRecord> slides, double modelSpacingUm, int units,
        int bandHeight = DefaultBandHeight)
    {
        if (bandHeight < 1) throw new InvalidInputException(null, $"band height must be at least 1 px, got {bandHeight}");
        var parts = new List<PredictionPart>();
        foreach (var slide in slides.DistinctBy(s => s.Id, StringComparer.Ordinal).OrderBy(s => s.Id, StringComparer.Ordinal))
        {
            // The map's height from the catalogue, without opening the slide; the last band runs to the end, so a
            // pixel of rounding between this and the opened slide's size cannot lose a row.
            long height = Math.Max(1, (long)Math.Round(slide.Height * slide.SpacingUm / modelSpacingUm));
            long bands = units > 1 ? (height + bandHeight - 1) / bandHeight : 1;
            if (bands <= 1)
            {
                parts.Add(new PredictionPart(slide.Id, null));
                continue;
            }
            for (int b = 0; b < bands; b++)
                parts.Add(new PredictionPart(slide.Id, new RowBand(b * bandHeight, b == bands - 1 ? RowBand.ToTheEnd : (b + 1) * bandHeight)));
        }
        return parts;
    }

    /// <summary>The ids of the slides that <paramref name="parts"/> cut into bands.</summary>
    public static IReadOnlySet<string> BandedSlides(IEnumerable<PredictionPart> parts) =>
        parts.Where(p => p.Rows is not null).Select(p => p.SlideId).ToHashSet(StringComparer.Ordinal);
}
