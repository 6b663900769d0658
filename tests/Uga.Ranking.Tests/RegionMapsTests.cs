using Uga.Imaging;
using Uga.Ranking;
using static Uga.Ranking.Tests.TestPools;

namespace Uga.Ranking.Tests;

public class RegionMapsTests
{
    [Fact]
    public void Features_read_a_block_at_a_time_equal_those_of_whole_maps_and_never_read_a_whole_map()
    {
        // Patches of 6 with stride 4 on blocks of 7: windows overlap and cross block edges, the awkward case.
        var random = new Random(3);
        var slide = Slide("a", Noise(random, 45, 35, 1f), Noise(random, 45, 35, 2f));
        var grid = new GridOptions { PatchSizePx = 6, StridePx = 4, SpacingUm = 1, MinTissueFraction = 0 };
        var maps = new CountingMaps(slide.Measures.ToDictionary(kv => kv.Key, kv => kv.Value.Map), blockSize: 7);

        var whole = CandidateGrid.Features(slide, grid);
        var streamed = CandidateGrid.Features(slide with { Measures = new Dictionary<string, SpacedMap>() }, grid, maps);

        Assert.Equal(whole.Candidates.Count, streamed.Candidates.Count);
        for (int i = 0; i < whole.Candidates.Count; i++)
        {
            Assert.Equal(whole.Candidates[i].Region, streamed.Candidates[i].Region);
            foreach (var name in new[] { Ce, Mi })
                Assert.Equal(whole.Candidates[i].Measure(name), streamed.Candidates[i].Measure(name));
        }
        Assert.Equal(whole.Maxima, streamed.Maxima);
        foreach (var name in new[] { Ce, Mi })
            Assert.Equal(whole.AboveSlideThreshold[name].SelectMany(v => v), streamed.AboveSlideThreshold[name].SelectMany(v => v));
        // Two passes over the blocks, each read no larger than a block plus one patch.
        Assert.True(maps.Reads.Count > 10, $"{maps.Reads.Count} reads");
        Assert.All(maps.Reads, r => Assert.True(r.Width <= 7 + 6 && r.Height <= 7 + 6, r.ToString()));
    }

    [Fact]
    public void Without_pool_counts_no_values_are_kept_and_everything_else_is_the_same()
    {
        // A flat map: every pixel lies above 0.8 of the maximum, so the values kept for pool counts are the whole map.
        var slide = Slide("a", Filled(40, 30, 0.8f).Set(new PixelRegion(0, 0, 10, 10), 0.9f));
        var grid = new GridOptions { PatchSizePx = 10, SpacingUm = 1, MinTissueFraction = 0 };

        var exact = CandidateGrid.Features(slide, grid);
        var light = CandidateGrid.Features(slide, grid with { PoolCounts = false });

        Assert.Equal(30 * 40, exact.AboveSlideThreshold[Ce].Sum(v => v.Length)); // 0.8 > 0.8 · 0.9
        Assert.All(light.AboveSlideThreshold[Ce], v => Assert.Empty(v));
        var pool = CandidateGrid.Reduce([light], grid with { PoolCounts = false });
        Assert.Equal(exact.Candidates.Select(c => c.Measure(Ce) with { PoolCount = 0 }), pool.Select(c => c.Measure(Ce) with { PoolCount = 0 }));
        Assert.All(pool, c => Assert.Equal(-1, c.Measure(Ce).PoolCount));
        // The one strategy that reads them says so rather than ranking on a count it does not have.
        Assert.Throws<InvalidOperationException>(() => Pick(pool, "uga-global", 1));
    }

    [Fact]
    public void Maps_that_do_not_cover_the_slide_are_refused_naming_the_slide()
    {
        var slide = new RankingSlide("s1", 100, 100, 1);
        var maps = new CountingMaps(new Dictionary<string, FloatMap> { [Ce] = new FloatMap(40, 100) }, blockSize: 16);
        var e = Assert.Throws<InvalidInputException>(() => CandidateGrid.Features(slide, new GridOptions { PatchSizePx = 10, SpacingUm = 1 }, maps));
        Assert.Contains("s1", e.Message);
    }

    // Whole maps served a region at a time, remembering every region asked for.
    private sealed class CountingMaps(Dictionary<string, FloatMap> maps, int blockSize) : IRegionMaps
    {
        public List<PixelRegion> Reads { get; } = [];

        public IReadOnlyList<string> Names => [.. maps.Keys];

        public double SpacingUm => 1;

        public int Width => maps.Values.First().Width;

        public int Height => maps.Values.First().Height;

        public int BlockSize => blockSize;

        public IReadOnlyDictionary<string, FloatMap> Read(PixelRegion region)
        {
            Reads.Add(region);
            return maps.ToDictionary(kv => kv.Key, kv => Crop(kv.Value, region));
        }

        private static FloatMap Crop(FloatMap map, PixelRegion r)
        {
            var crop = new FloatMap(r.Width, r.Height);
            for (int y = 0; y < r.Height; y++)
                map.Data.AsSpan(((r.Y + y) * map.Width) + r.X, r.Width).CopyTo(crop.Data.AsSpan(y * r.Width, r.Width));
            return crop;
        }
    }
}
