using Uga.Imaging;

namespace Uga.Inference;

/// <summary>
/// Where to put square patches so that every pixel of a region is covered, with neighbouring patches
/// overlapping by <c>overlap</c> pixels. The covered area extends <see cref="Margin"/> = overlap/2 beyond the
/// region on every side, so the region's own border pixels lie inside a patch's well-weighted part rather than on
/// its edge; the caller supplies context there (real pixels of a slide, or a reflection of an image).
/// </summary>
public sealed class TileLayout
{
    public TileLayout(int patchSize, int overlap)
    {
        if (patchSize < 1) throw new InvalidInputException(null, $"patch size must be positive, got {patchSize}");
        if (overlap < 0 || overlap >= patchSize)
            throw new InvalidInputException(null, $"overlap must be 0..{patchSize - 1} px for a {patchSize} px patch, got {overlap}");
        PatchSize = patchSize;
        Overlap = overlap;
    }

    public int PatchSize { get; }
    public int Overlap { get; }
    public int Stride => PatchSize - Overlap;
    public int Margin => Overlap / 2;

    /// <summary>Top-left corners of the patches covering <paramref name="region"/> plus the margin, row by row.</summary>
    public IReadOnlyList<(int X, int Y)> Cover(PixelRegion region)
    {
        var xs = Starts(region.X, region.Width);
        var ys = Starts(region.Y, region.Height);
        var result = new List<(int, int)>(xs.Count * ys.Count);
        foreach (var y in ys)
            foreach (var x in xs)
                result.Add((x, y));
        return result;
    }

    /// <summary>The rectangle the patches of <see cref="Cover"/> read from: the input must supply pixels for all of it.</summary>
    public PixelRegion Extent(PixelRegion region)
    {
        var xs = Starts(region.X, region.Width);
        var ys = Starts(region.Y, region.Height);
        return new PixelRegion(xs[0], ys[0], xs[^1] + PatchSize - xs[0], ys[^1] + PatchSize - ys[0]);
    }

    // Evenly strided starts along one axis; the last patch is pulled back to end exactly at the margin.
    private List<int> Starts(int origin, int length)
    {
        int first = origin - Margin, end = origin + length + Margin;
        var starts = new List<int> { first };
        if (end - first <= PatchSize) return starts;
        int next = first + Stride;
        while (next + PatchSize < end)
        {
            starts.Add(next);
            next += Stride;
        }
        starts.Add(end - PatchSize);
        return starts;
    }
}
