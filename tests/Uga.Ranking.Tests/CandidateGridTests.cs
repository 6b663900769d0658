using Uga.Imaging;
using Uga.Ranking;
using static Uga.Ranking.Tests.TestPools;

namespace Uga.Ranking.Tests;

public class CandidateGridTests
{
    [Fact]
    public void StrideAndEdgesDecideThePositions()
    {
        var slide = Slide("s", Filled(25, 10, 0.5f));
        var grid = new GridOptions { PatchSizePx = 10, SpacingUm = 1, MinTissueFraction = 0 };
        Assert.Equal([0, 10], CandidateGrid.Build([slide], grid).Select(c => c.Region.X));
        Assert.Equal([0, 5, 10, 15], CandidateGrid.Build([slide], grid with { StridePx = 5 }).Select(c => c.Region.X));
        Assert.Equal([0, 10, 15], CandidateGrid.Build([slide], grid with { CoverEdges = true }).Select(c => c.Region.X));
        Assert.Empty(CandidateGrid.Build([Slide("tiny", Filled(5, 5, 1f))], grid));
    }

    [Fact]
    public void BackgroundPatchesAreDroppedByTissueFraction()
    {
        // Tissue mask at 2 µm/px over a 40×40 px slide at 1 µm/px: tissue in the left 14 µm, so the first patch
        // column is all tissue and the second 2/5 tissue (one of its mask pixels is Ignore, which is not tissue).
        var mask = new LabelMap(20, 20);
        for (int y = 0; y < 20; y++)
            for (int x = 0; x < 7; x++) mask[x, y] = 1;
        mask[6, 0] = LabelMap.Ignore;
        var slide = Slide("s", Filled(40, 40, 0.3f)) with { Tissue = new MaskTissueFraction(mask, 2.0) };
        var grid = new GridOptions { PatchSizePx = 10, SpacingUm = 1, MinTissueFraction = 0.5 };
        var kept = CandidateGrid.Build([slide], grid);
        Assert.Equal([0], kept.Select(c => c.Region.X).Distinct());
        Assert.Equal(4, kept.Count);
        Assert.Equal(1.0, kept[1].TissueFraction, 6);

        var lenient = CandidateGrid.Build([slide], grid with { MinTissueFraction = 0.3 });
        Assert.Equal(8, lenient.Count);
        Assert.Equal(0.4, lenient.At("s", 10, 10).TissueFraction, 6);
        Assert.Equal(0.36, lenient.At("s", 10, 0).TissueFraction, 6);
        Assert.Equal(0.0, new MaskTissueFraction(mask, 2.0).TissueFraction(new PixelRegion(100, 100, 10, 10), 1.0));
    }

    [Fact]
    public void BoolAndScoreMasksGiveTheSameFractions()
    {
        var bools = new bool[16];
        var scores = new FloatMap(4, 4);
        for (int i = 0; i < 16; i++)
        {
            bools[i] = i % 3 == 0;
            scores.Data[i] = bools[i] ? 0.9f : 0.1f;
        }
        var region = new PixelRegion(1, 1, 6, 6); // at 1 µm/px over masks at 2 µm/px -> mask pixels 0..3
        double a = MaskTissueFraction.FromBools(bools, 4, 2.0).TissueFraction(region, 1.0);
        double b = MaskTissueFraction.FromScores(scores, 2.0).TissueFraction(region, 1.0);
        Assert.Equal(a, b);
        Assert.Equal(bools.Count(v => v) / 16.0, a, 6);
    }

    [Fact]
    public void MapsAtACoarserSpacingAreReadOverTheSameArea()
    {
        // Slide 40×20 px at 0.5 µm; its uncertainty map at 1 µm (20×10). Patch 10 px at 0.5 µm = 5×5 map px.
        var ce = Filled(20, 10, 0.2f).Set(new PixelRegion(5, 0, 5, 5), 0.8f);
        var slide = new RankingSlide("s", 40, 20, 0.5) { Measures = new Dictionary<string, SpacedMap> { [Ce] = new(ce, 1.0) } };
        var pool = CandidateGrid.Build([slide], new GridOptions { PatchSizePx = 10, SpacingUm = 0.5, MinTissueFraction = 0 });
        Assert.Equal(8, pool.Count);
        var hot = pool.At("s", 10, 0).Measure(Ce);
        Assert.Equal(25, hot.Pixels);
        Assert.Equal(20.0, hot.Sum, 4);
        Assert.Equal(0.8, hot.Mean, 5);
        Assert.Equal(new PixelRegion(20, 0, 20, 20), pool.At("s", 10, 0).ShownRegionAt(0.25));
    }

    [Fact]
    public void GridAtACoarserSpacingThanTheSlide()
    {
        var slide = Slide("s", Filled(100, 40, 0.5f), spacing: 0.25);
        var pool = CandidateGrid.Build([slide], new GridOptions { PatchSizePx = 10, SpacingUm = 1.0, MinTissueFraction = 0 });
        Assert.Equal(2, pool.Count); // slide is 25×10 px at 1 µm
        Assert.Equal((25, 10), (pool[0].SlideWidth, pool[0].SlideHeight));
        Assert.Equal(1600, pool[0].Measure(Ce).Pixels);
    }

    [Fact]
    public void BadInputIsRejectedWithTheSlideNamed()
    {
        var ok = Slide("s", Filled(20, 20, 0.5f));
        var grid = new GridOptions { PatchSizePx = 10, SpacingUm = 1 };
        Assert.Throws<InvalidInputException>(() => CandidateGrid.Build([], grid));
        Assert.Throws<InvalidInputException>(() => CandidateGrid.Build([ok, ok], grid));
        Assert.Throws<InvalidInputException>(() => CandidateGrid.Build([ok], grid with { PatchSizePx = 0 }));
        Assert.Throws<InvalidInputException>(() => CandidateGrid.Build([ok], grid with { SpacingUm = 0 }));
        var wrongMap = new RankingSlide("w", 200, 200, 1) { Measures = new Dictionary<string, SpacedMap> { [Ce] = new(Filled(20, 20, 0f), 1) } };
        var ex = Assert.Throws<InvalidInputException>(() => CandidateGrid.Build([wrongMap], grid));
        Assert.StartsWith("w: 'ensemble-ce' map covers 20x20 µm", ex.Message);
    }

    [Fact]
    public void CountsAreStrictlyAboveTheThreshold()
    {
        // Max 1.0 with factor 0.5: pixels exactly at 0.5 are not counted (the paper counts u > 0.8·max, not >=).
        var ce = Filled(10, 10, 0.5f).Set(new PixelRegion(0, 0, 10, 2), 1f).Set(new PixelRegion(0, 9, 10, 1), 0.25f);
        var pool = CandidateGrid.Build([Slide("s", ce)], new GridOptions { PatchSizePx = 10, SpacingUm = 1, CountThresholdFactor = 0.5 });
        var stats = pool[0].Measure(Ce);
        Assert.Equal((20L, 20L, 20L), (stats.PatchCount, stats.SlideCount, stats.PoolCount));
        var at08 = CandidateGrid.Build([Slide("s", ce)], new GridOptions { PatchSizePx = 10, SpacingUm = 1 });
        Assert.Equal(20, at08[0].Measure(Ce).PatchCount);
        Assert.Throws<InvalidInputException>(() =>
            CandidateGrid.Build([Slide("s", ce)], new GridOptions { PatchSizePx = 10, SpacingUm = 1, CountThresholdFactor = 0 }));
    }

    [Theory]
    [InlineData(37, 37, 1)]
    [InlineData(20, 7, 2)]
    [InlineData(64, 32, 3)]
    public void FeaturesMatchANaiveScanWithNaNsAndOddWidths(int patch, int stride, int seed)
    {
        var rng = new Random(seed);
        var maps = Enumerable.Range(0, 2).Select(_ => new FloatMap(131, 97)).ToArray();
        foreach (var m in maps)
            for (int i = 0; i < m.Data.Length; i++) m.Data[i] = rng.Next(50) == 0 ? float.NaN : (float)rng.NextDouble() * (1 + (i % 7));
        var pool = CandidateGrid.Build([Slide("a", maps[0]), Slide("b", maps[1])],
            new GridOptions { PatchSizePx = patch, StridePx = stride, SpacingUm = 1, MinTissueFraction = 0 });
        var values = pool.ToDictionary(c => c.Key, c => maps[c.SlideId == "a" ? 0 : 1].Crop(c.Region).Data.Where(v => !float.IsNaN(v)).ToArray());
        var slideMax = pool.GroupBy(c => c.SlideId).ToDictionary(g => g.Key, g => g.Max(c => values[c.Key].Max()));
        float poolMax = slideMax.Values.Max();
        foreach (var c in pool)
        {
            var v = values[c.Key];
            var s = c.Measure(Ce);
            Assert.Equal(v.Length, s.Pixels);
            Assert.Equal(v.Sum(x => (double)x), s.Sum, 2);
            Assert.Equal(v.Max(), s.Max);
            Assert.Equal(v.Count(x => x > (float)(0.8 * v.Max())), s.PatchCount);
            Assert.Equal(v.Count(x => x > (float)(0.8 * slideMax[c.SlideId])), s.SlideCount);
            Assert.Equal(v.Count(x => x > (float)(0.8 * poolMax)), s.PoolCount);
        }
    }

    [Fact]
    public void ProgressIsReportedPerSlide()
    {
        var reports = new List<WorkProgress>();
        CandidateGrid.Build([Slide("a", Filled(10, 10, 0f)), Slide("b", Filled(10, 10, 0f))],
            new GridOptions { PatchSizePx = 10, SpacingUm = 1 }, new SyncProgress(reports.Add));
        Assert.Equal([1L, 2L], reports.Select(r => r.Done));
    }

    [Fact]
    public void ColourMeansFeedTheClusterFallback()
    {
        var rgb = new RgbImage(20, 10);
        for (int y = 0; y < 10; y++)
            for (int x = 0; x < 20; x++) rgb.Data[rgb.Index(x, y)] = x < 10 ? (byte)200 : (byte)50;
        var slide = Slide("s", Filled(20, 10, 0.5f)) with { Colour = new SpacedImage(rgb, 1.0) };
        var pool = Grid(10, slide);
        Assert.Equal(200, pool[0].Colour!.Value.R, 6);
        Assert.Equal(0, pool[1].Colour!.Value.G, 6);
        Assert.Equal(5, ClusterGrouping.Features(pool)[0].Length);
    }

    private sealed class SyncProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }
}
