namespace Uga.Imaging;

/// <summary>
/// Square, non-overlapping tiles over an image or slide (full tiles only, row by row), and an even sample of a long
/// list: what label-free adaptation and the density-ratio strategy cut their unlabelled tiles with.
/// </summary>
public static class TileGrid
{
    public static IEnumerable<PixelRegion> Regions(int width, int height, int tile)
    {
        for (int y = 0; y + tile <= height; y += tile)
            for (int x = 0; x + tile <= width; x += tile)
                yield return new PixelRegion(x, y, tile, tile);
    }

    /// <summary>
    /// At most <paramref name="max"/> items, every (count / max)-th from a start of <paramref name="startFraction"/>
    /// of that step: spread over the whole list (so over every slide in proportion to its tiles), never clustered.
    /// </summary>
    public static List<T> EvenSample<T>(IReadOnlyList<T> items, int max, double startFraction = 0)
    {
        if (items.Count <= max) return [.. items];
        double step = items.Count / (double)max, start = startFraction * step;
        return [.. Enumerable.Range(0, max).Select(k => items[(int)(start + (k * step))])];
    }
}
