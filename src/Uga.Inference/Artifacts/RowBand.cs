using System.Globalization;

namespace Uga.Inference.Artifacts;

/// <summary>
/// Rows [Y0, Y1) of a slide's maps at the model's spacing: the part of a very large slide that one work unit
/// predicts. Y0 lies on the block grid, so a band's blocks — and every patch of the global grid that touches them —
/// are exactly those of a whole-slide run, and bands stored apart join without seams.
/// </summary>
public readonly record struct RowBand(int Y0, int Y1)
{
    /// <summary>Y1 of a band that runs to the slide's last row, whatever its exact height turns out to be.</summary>
    public const int ToTheEnd = int.MaxValue;

    public int Height => Y1 - Y0;

    /// <summary>The band cut to a map of <paramref name="height"/> rows (empty when it starts below the map).</summary>
    public RowBand ClippedTo(int height) => new(Math.Min(Y0, height), Math.Min(Y1, height));

    public override string ToString() => Y1 == ToTheEnd
        ? string.Create(CultureInfo.InvariantCulture, $"rows {Y0}-end")
        : string.Create(CultureInfo.InvariantCulture, $"rows {Y0}-{Y1}");
}
