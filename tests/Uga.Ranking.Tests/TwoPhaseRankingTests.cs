using Uga.Imaging;
using Uga.Ranking;
using static Uga.Ranking.Tests.TestPools;

namespace Uga.Ranking.Tests;

public class TwoPhaseRankingTests
{
    [Fact]
    public void PerSlideFeaturesThenThePoolReductionGiveTheExactPoolCounts()
    {
        // Three slides whose maxima differ: one holds the pool maximum, one never reaches 0.8 of it, one lies between.
        var random = new Random(5);
        FloatMap Noise(float scale) => TestPools.Noise(random, 40, 30, scale);
        var slides = new[] { Slide("a", Noise(1.0f)), Slide("b", Noise(0.5f)), Slide("c", Noise(0.9f)) };
        var grid = new GridOptions { PatchSizePx = 10, SpacingUm = 1, MinTissueFraction = 0 };

        var features = slides.Select(s => CandidateGrid.Features(s, grid)).ToList();
        // What a unit hands to the reduction holds no maps, only features (memory per slide, not per pixel).
        Assert.All(features, f => Assert.Empty(f.Slide.Measures));
        Assert.All(features, f => Assert.True(f.AboveSlideThreshold["ensemble-ce"].Sum(v => v.Length) < 40 * 30 / 2));
        // The phases can run in any order and place: reduce the features in reverse order of computation.
        var pool = CandidateGrid.Reduce([.. Enumerable.Reverse(features)], grid);

        double poolMax = slides.Max(s => s.Measures["ensemble-ce"].Map.Data.Max());
        float threshold = (float)(0.8 * poolMax);
        Assert.Equal(3 * 12, pool.Count);
        foreach (var c in pool)
        {
            var map = slides.Single(s => s.Id == c.SlideId).Measures["ensemble-ce"].Map;
            long expected = 0;
            for (int y = c.Region.Y; y < c.Region.Bottom; y++)
                for (int x = c.Region.X; x < c.Region.Right; x++)
                    if (map[x, y] > threshold) expected++;
            Assert.Equal(expected, c.Measure("ensemble-ce").PoolCount);
        }
        Assert.Equal(0, pool.Where(c => c.SlideId == "b").Sum(c => c.Measure("ensemble-ce").PoolCount));
        Assert.True(pool.Where(c => c.SlideId == "c").Sum(c => c.Measure("ensemble-ce").PoolCount) > 0);
        Assert.Equal(CandidateGrid.Build(slides, grid).Select(c => c.Measures["ensemble-ce"]),
            pool.OrderBy(c => c.SlideId, StringComparer.Ordinal).Select(c => c.Measures["ensemble-ce"]));
    }
}
