using Uga.Imaging;
using Uga.Ranking;
using static Uga.Ranking.Tests.TestPools;

namespace Uga.Ranking.Tests;

public class SelectorTests
{
    // Uncertainty rising smoothly to a peak at (30, 30): without suppression the top patches crowd the peak.
    private static IReadOnlyList<Candidate> PeakPool()
    {
        var ce = new FloatMap(64, 64);
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 64; x++) ce[x, y] = 1f / (1 + (((x - 30) * (x - 30)) + ((y - 30) * (y - 30))) / 100f);
        var slide = Slide("s", ce, spacing: 0.5);
        return CandidateGrid.Build([slide], new GridOptions { PatchSizePx = 8, StridePx = 2, SpacingUm = 0.5, MinTissueFraction = 0 });
    }

    private static double Distance(Candidate a, Candidate b) =>
        Math.Sqrt(Math.Pow(a.CentreUm.X - b.CentreUm.X, 2) + Math.Pow(a.CentreUm.Y - b.CentreUm.Y, 2));

    [Fact]
    public void NonMaximumSuppressionKeepsChosenCentresApart()
    {
        var pool = PeakPool();
        var strategy = RankingStrategies.Create("uncertainty-sum");
        var crowded = CandidateSelector.Select(pool, strategy, new SelectionOptions { K = 5 }).Chosen;
        Assert.Contains(crowded, a => crowded.Any(b => a != b && Distance(a, b) < 10));

        var spread = CandidateSelector.Select(pool, strategy, new SelectionOptions { K = 5, MinCentreDistanceUm = 10 });
        Assert.Equal(5, spread.Chosen.Count);
        foreach (var a in spread.Chosen)
            foreach (var b in spread.Chosen.Where(b => b != a)) Assert.True(Distance(a, b) >= 10, $"{a.Region} and {b.Region} closer than 10 µm");
        Assert.Equal(crowded[0], spread.Chosen[0]);
        Assert.Equal([1, 2, 3, 4, 5], spread.Chosen.Select(c => c.Rank));
    }

    [Fact]
    public void NmsThatCannotReachKWarnsWithTheCount()
    {
        var pool = PeakPool();
        var s = CandidateSelector.Select(pool, RankingStrategies.Create("uncertainty-sum"), new SelectionOptions { K = 5, MinCentreDistanceUm = 40 });
        Assert.Single(s.Chosen);
        Assert.Contains("only 1 of 5", Assert.Single(s.Warnings));
    }

    // Slide "a" has six hot patches, slide "b" six lukewarm ones, slide "c" six cold ones.
    private static IReadOnlyList<Candidate> ThreeSlides() => Grid(10,
        Slide("a", Filled(60, 10, 0.9f).Set(new PixelRegion(0, 0, 10, 10), 1f)),
        Slide("b", Filled(60, 10, 0.5f)),
        Slide("c", Filled(60, 10, 0.1f)));

    [Fact]
    public void DiverseGoesRoundRobinOverSlidesWhileTheSumTakesOneSlide()
    {
        var pool = ThreeSlides();
        Assert.All(Pick(pool, "uncertainty-sum", 4).Chosen, c => Assert.Equal("a", c.SlideId));
        var diverse = Pick(pool, "diverse", 4).Chosen;
        Assert.Equal(["a", "b", "c", "a"], diverse.Select(c => c.SlideId));
        Assert.Equal(0, diverse[0].Region.X); // each slide gives its best remaining patch
    }

    [Fact]
    public void PerSlideQuotaCapsEverySlide()
    {
        var pool = ThreeSlides();
        var s = CandidateSelector.Select(pool, RankingStrategies.Create("uncertainty-sum"), new SelectionOptions { K = 5, MaxPerSlide = 2 });
        Assert.Equal(["a", "a", "b", "b", "c"], s.Chosen.Select(c => c.SlideId));
    }

    [Fact]
    public void KCountsPerSlideOrInTotalOrTimesTheSlides()
    {
        var pool = ThreeSlides();
        var strategy = RankingStrategies.Create("uncertainty-sum");
        var perSlide = CandidateSelector.Select(pool, strategy, new SelectionOptions { K = 2, Mode = KMode.PerSlide }).Chosen;
        Assert.Equal(["a", "a", "b", "b", "c", "c"], perSlide.Select(c => c.SlideId));
        Assert.Equal(2, CandidateSelector.Select(pool, strategy, new SelectionOptions { K = 2, Mode = KMode.Total }).Chosen.Count);
        var pooled = CandidateSelector.Select(pool, strategy, new SelectionOptions { K = 2, Mode = KMode.PooledPerSlide }).Chosen;
        Assert.Equal(["a", "a", "a", "a", "a", "a"], pooled.Select(c => c.SlideId)); // 2 × 3 slides, best first wherever they are
    }

    [Fact]
    public void ClusterStrategyTakesTheMostUncertainPatchOfEachCluster()
    {
        // Embeddings put patches x<30 in one cluster and the rest in another; the hot patches are all in the first.
        var ce = Filled(60, 10, 0.2f).Set(new PixelRegion(0, 0, 30, 10), 0.9f).Set(new PixelRegion(40, 0, 10, 10), 0.3f);
        var pool = Grid(10, Slide("s", ce))
            .Select(c => c with { Embedding = c.Region.X < 30 ? [0f, 1f + (c.Region.X * 0.01f)] : [5f, 1f + (c.Region.X * 0.01f)] }).ToArray();
        Assert.Equal([0, 10], Pick(pool, "uncertainty-sum", 2).Chosen.Select(c => c.Region.X).Order());
        var clustered = Pick(pool, "diverse-cluster", 2, new StrategyOptions { Seed = 4 }).Chosen;
        Assert.Equal([0, 40], clustered.Select(c => c.Region.X).Order());
    }

    [Fact]
    public void ClusterStrategyFallsBackToPositionWithoutEmbeddings()
    {
        // Two spatial blobs of patches (left and right ends of a long strip); the hot one is on the left.
        var ce = Filled(200, 10, 0.2f).Set(new PixelRegion(0, 0, 30, 10), 0.9f).Set(new PixelRegion(180, 0, 20, 10), 0.4f);
        var pool = Grid(10, Slide("s", ce)).Where(c => c.Region.X < 30 || c.Region.X >= 170).ToArray();
        var clustered = Pick(pool, "diverse-cluster", 2, new StrategyOptions { Seed = 1 }).Chosen;
        Assert.Contains(clustered, c => c.Region.X < 30);
        Assert.Contains(clustered, c => c.Region.X >= 180);
        var partial = pool.Select((c, i) => i == 0 ? c with { Embedding = [1f] } : c).ToArray();
        Assert.Throws<InvalidInputException>(() => Pick(partial, "diverse-cluster", 2));
    }

    [Fact]
    public void JitterStaysInsideTheSlideAndWithinOnePatch()
    {
        var pool = ThreeSlides();
        var moved = 0;
        for (int seed = 0; seed < 30; seed++)
        {
            var options = new SelectionOptions { K = 3, Mode = KMode.PerSlide, JitterFraction = 1, Seed = seed };
            var chosen = CandidateSelector.Select(pool, RankingStrategies.Create("uncertainty-sum"), options).Chosen;
            foreach (var c in chosen)
            {
                var r = c.ShownRegion;
                Assert.True(r.X >= 0 && r.Y >= 0 && r.Right <= 60 && r.Bottom <= 10, $"{r} outside the 60x10 slide");
                Assert.InRange(Math.Abs(c.JitterX), 0, c.PatchSize);
                Assert.InRange(Math.Abs(c.JitterY), 0, c.PatchSize);
                if (c.JitterX != 0) moved++;
            }
            Assert.Equal(chosen, CandidateSelector.Select(pool, RankingStrategies.Create("uncertainty-sum"), options).Chosen);
        }
        Assert.True(moved > 30, $"only {moved} of 270 patches were jittered");
    }

    [Fact]
    public void KLargerThanThePoolThrowsOrWarns()
    {
        var pool = ThreeSlides();
        var strategy = RankingStrategies.Create("uncertainty-sum");
        var ex = Assert.Throws<InvalidInputException>(() => CandidateSelector.Select(pool, strategy, new SelectionOptions { K = 19 }));
        Assert.Contains("K = 19 but only 18 candidates", ex.Message);
        var all = CandidateSelector.Select(pool, strategy, new SelectionOptions { K = 7, Mode = KMode.PerSlide, Shortfall = ShortfallPolicy.ReturnAllWithWarning });
        Assert.Equal(18, all.Chosen.Count);
        Assert.Equal(3, all.Warnings.Count);
        Assert.Throws<InvalidInputException>(() => CandidateSelector.Select([], strategy, new SelectionOptions { K = 1 }));
        Assert.Throws<InvalidInputException>(() => CandidateSelector.Select(pool, strategy, new SelectionOptions { K = 0 }));
        Assert.Throws<InvalidInputException>(() => CandidateSelector.Select([.. pool, pool[0]], strategy, new SelectionOptions { K = 1 }));
    }

    [Fact]
    public void ScoredListKeepsInputOrderAndMarksChosenRanks()
    {
        var pool = ThreeSlides();
        var s = Pick(pool, "uncertainty-sum", 2);
        Assert.Equal(pool.Select(c => c.Key), s.Scored.Select(c => c.Key));
        Assert.Equal(2, s.Scored.Count(c => c.Rank > 0));
        Assert.All(s.Scored, c => Assert.False(double.IsNaN(c.Score)));
    }
}
