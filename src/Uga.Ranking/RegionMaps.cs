using Uga.Imaging;

namespace Uga.Ranking;

/// <summary>
/// A slide's maps read a region at a time: how phase 1 (<see cref="CandidateGrid.Features(RankingSlide, GridOptions, IRegionMaps)"/>)
/// measures a whole slide without holding a whole map. A 50,000² map is 10 GB per float map, and class-aware
/// strategies read 1 + 2C of them; read a block of candidates at a time, phase 1 holds one block's maps.
/// All maps share one pixel grid: <see cref="SpacingUm"/>, <see cref="Width"/> × <see cref="Height"/>.
/// </summary>
public interface IRegionMaps
{
    IReadOnlyList<string> Names { get; }

    double SpacingUm { get; }

    int Width { get; }

    int Height { get; }

    /// <summary>Side of the square blocks candidates are grouped in (the storage's chunk), so each is decoded about once per pass.</summary>
    int BlockSize { get; }

    /// <summary>Every map over <paramref name="region"/> (pixels of this grid, inside it), by name.</summary>
    IReadOnlyDictionary<string, FloatMap> Read(PixelRegion region);
}

/// <summary>
/// Where phase 1 finds a candidate's window in each map: a group of candidates (a block) at a time, so regional
/// sources read a block's maps once per pass and in-memory maps are one block.
/// </summary>
internal interface IMapSource
{
    IReadOnlyList<string> Names { get; }

    IEnumerable<int[]> Blocks(IReadOnlyList<PixelRegion> candidates);

    /// <summary>The maps of one block: for a map name and a candidate's region (grid pixels), the map and the window in it.</summary>
    Func<string, PixelRegion, (FloatMap Map, PixelRegion Window)> Open(IReadOnlyList<PixelRegion> candidates, int[] block);
}

/// <summary>Maps held whole in memory (tile images, tests): one block, each map at its own spacing.</summary>
internal sealed class WholeMaps(IReadOnlyDictionary<string, SpacedMap> maps, double gridSpacingUm) : IMapSource
{
    public IReadOnlyList<string> Names { get; } = [.. maps.Keys];

    public IEnumerable<int[]> Blocks(IReadOnlyList<PixelRegion> candidates) => [[.. Enumerable.Range(0, candidates.Count)]];

    public Func<string, PixelRegion, (FloatMap Map, PixelRegion Window)> Open(IReadOnlyList<PixelRegion> candidates, int[] block) =>
        (name, region) => (maps[name].Map, CandidateGrid.Window(region, gridSpacingUm, maps[name]));
}

/// <summary>
/// Maps read from storage a block at a time: candidates are grouped by the block holding their window's corner,
/// and a block's maps are read over the union of its windows (a little more than a block where windows cross into
/// the next one).
/// </summary>
internal sealed class RegionSource(IRegionMaps maps, double gridSpacingUm) : IMapSource
{
    public IReadOnlyList<string> Names => maps.Names;

    public IEnumerable<int[]> Blocks(IReadOnlyList<PixelRegion> candidates)
    {
        int side = Math.Max(1, maps.BlockSize);
        return Enumerable.Range(0, candidates.Count)
            .GroupBy(i => { var w = Window(candidates[i]); return ((long)(w.Y / side) << 32) | (uint)(w.X / side); })
            .OrderBy(g => g.Key)
            .Select(g => g.ToArray());
    }

    public Func<string, PixelRegion, (FloatMap Map, PixelRegion Window)> Open(IReadOnlyList<PixelRegion> candidates, int[] block)
    {
        var windows = block.Select(i => Window(candidates[i])).Where(w => w.Area > 0).ToList();
        if (windows.Count == 0) return (_, _) => (new FloatMap(1, 1), default);
        int x0 = windows.Min(w => w.X), y0 = windows.Min(w => w.Y);
        var union = new PixelRegion(x0, y0, windows.Max(w => w.Right) - x0, windows.Max(w => w.Bottom) - y0);
        var read = maps.Read(union);
        return (name, region) =>
        {
            var w = Window(region);
            return (read[name], w.Area == 0 ? default : new PixelRegion(w.X - union.X, w.Y - union.Y, w.Width, w.Height));
        };
    }

    private PixelRegion Window(PixelRegion region) =>
        SpacingMath.Convert(region, gridSpacingUm, maps.SpacingUm).Intersect(new PixelRegion(0, 0, maps.Width, maps.Height));
}
