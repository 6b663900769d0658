using Uga.Imaging;
using Uga.Ranking;
using static Uga.Ranking.Tests.TestPools;

namespace Uga.Ranking.Tests;

public class ScoringStrategyTests
{
    // Patch A (x 0–9): flat 0.5 -> count 100, sum 50. Patch B (x 10–19): 0.6 with one 1.0 spike -> count 1, sum 60.4.
    private static IReadOnlyList<Candidate> FlatVersusSpike()
    {
        var ce = Filled(20, 10, 0.5f).Set(new PixelRegion(10, 0, 10, 10), 0.6f).Set(new PixelRegion(15, 5, 1, 1), 1.0f);
        return Grid(10, Slide("s", ce));
    }

    [Fact]
    public void PaperCountTermPrefersTheFlatPatchWhileTheSumPrefersTheLargerTotal()
    {
        var pool = FlatVersusSpike();
        var a = pool.At("s", 0, 0).Measure(Ce);
        var b = pool.At("s", 10, 0).Measure(Ce);
        Assert.Equal(100, a.PatchCount);
        Assert.Equal(50.0, a.Sum, 4);
        Assert.Equal(1, b.PatchCount);
        Assert.Equal(60.4, b.Sum, 4);
        Assert.Equal(1.0, b.Max, 6);

        Assert.Equal(0, Winner(pool, "uga-paper").Region.X);
        Assert.Equal(100 * 100 + 50.0, Winner(pool, "uga-paper").Score, 3);
        Assert.Equal(10, Winner(pool, "uncertainty-sum").Region.X);
        Assert.Equal(10, Winner(pool, "diverse").Region.X);
    }

    [Fact]
    public void MeanAndSumDisagreeWhenPatchesCoverDifferentNumbersOfPixels()
    {
        // Patch C: half NaN (no data), half 0.9 -> sum 45, mean 0.9. Patch D: all 0.6 -> sum 60, mean 0.6.
        var ce = Filled(20, 10, 0.6f).Set(new PixelRegion(0, 0, 10, 5), float.NaN).Set(new PixelRegion(0, 5, 10, 5), 0.9f);
        var pool = Grid(10, Slide("s", ce));
        Assert.Equal(50, pool.At("s", 0, 0).Measure(Ce).Pixels);
        Assert.Equal(10, Winner(pool, "uncertainty-sum").Region.X);
        Assert.Equal(0, Winner(pool, "uncertainty-mean").Region.X);
        Assert.Equal(0.9, Winner(pool, "uncertainty-mean").Score, 5);
    }

    [Fact]
    public void GlobalThresholdCountsHowMuchUncertaintyThereIsNotHowFlatItIs()
    {
        // A: flat 0.1 (paper count 100, global count 0). B: half 1.0, half 0 (both counts 50).
        var ce = Filled(20, 10, 0.1f).Set(new PixelRegion(10, 0, 10, 10), 0f).Set(new PixelRegion(10, 0, 10, 5), 1f);
        var pool = Grid(10, Slide("s", ce));
        Assert.Equal(0, Winner(pool, "uga-paper").Region.X);
        Assert.Equal(10, Winner(pool, "uga-global").Region.X);
        Assert.Equal(100 * 50 + 50.0, Winner(pool, "uga-global").Score, 3);
    }

    [Fact]
    public void GlobalScopeSlideAndPoolPickDifferentWinners()
    {
        // Slide "low": flat 0.5 everywhere, slide max 0.5 -> slide count 100, pool count 0 (pool max is 1.0).
        // Slide "high": zeros with ten 1.0 pixels -> slide and pool counts 10.
        var low = Slide("low", Filled(10, 10, 0.5f));
        var high = Slide("high", Filled(10, 10, 0f).Set(new PixelRegion(0, 0, 10, 1), 1f));
        var pool = Grid(10, low, high);
        Assert.Equal((100L, 0L), (pool.At("low", 0, 0).Measure(Ce).SlideCount, pool.At("low", 0, 0).Measure(Ce).PoolCount));
        Assert.Equal("low", Winner(pool, "uga-global", new StrategyOptions { GlobalScope = GlobalScope.Slide }).SlideId);
        Assert.Equal("high", Winner(pool, "uga-global", new StrategyOptions { GlobalScope = GlobalScope.Pool }).SlideId);
        Assert.Equal("high", Winner(pool, "uga-global").SlideId); // pool is the default
    }

    [Fact]
    public void MutualInformationReadsItsOwnMap()
    {
        var ce = Filled(20, 10, 0.2f).Set(new PixelRegion(0, 0, 10, 10), 0.9f);
        var mi = Filled(20, 10, 0.01f).Set(new PixelRegion(10, 0, 10, 10), 0.3f);
        var pool = Grid(10, Slide("s", ce, mi));
        Assert.Equal(0, Winner(pool, "uncertainty-sum").Region.X);
        Assert.Equal(10, Winner(pool, "mutual-information").Region.X);
        Assert.Equal(30.0, Winner(pool, "mutual-information").Score, 4);
        Assert.Equal(10, Winner(pool, "uncertainty-sum", new StrategyOptions { Measure = Mi }).Region.X);
        Assert.Equal(0, Winner(pool, "uga-paper", new StrategyOptions { Measure = Mi }).Region.X); // pinned to ensemble-ce
    }

    [Fact]
    public void MissingMeasureIsAClearInputError()
    {
        var pool = Grid(10, Slide("s", Filled(10, 10, 0.5f)));
        var ex = Assert.Throws<InvalidInputException>(() => Pick(pool, "mutual-information", 1));
        Assert.Contains("mutual-information", ex.Message);
        Assert.Contains("measures present: ensemble-ce", ex.Message);
    }

    [Fact]
    public void RandomIsDeterministicPerSeedAndDiffersAcrossSeeds()
    {
        var pool = RandomPool(slides: 2, size: 60, seed: 1);
        var first = Pick(pool, "random", 5, new StrategyOptions { Seed = 7 }).Chosen.Select(c => c.Key).ToArray();
        var again = Pick(pool, "random", 5, new StrategyOptions { Seed = 7 }).Chosen.Select(c => c.Key).ToArray();
        var other = Pick(pool, "random", 5, new StrategyOptions { Seed = 8 }).Chosen.Select(c => c.Key).ToArray();
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        var scores = new RandomScoring(3).Score(pool);
        Assert.All(scores, s => Assert.InRange(s, 0, 1));
        Assert.True(scores.Distinct().Count() == scores.Length);
    }

    [Fact]
    public void UnknownStrategyListsTheValidNames()
    {
        Assert.Throws<InvalidInputException>(() => RankingStrategies.Create("diverse-cluster", new StrategyOptions { Clusters = 0 }));
        var ex = Assert.Throws<InvalidInputException>(() => RankingStrategies.Create("most-uncertain"));
        Assert.Contains("'most-uncertain'", ex.Message);
        foreach (var name in new[] { "uga-paper", "uga-global", "uncertainty-sum", "uncertainty-mean", "mutual-information", "random", "diverse", "diverse-cluster" })
        {
            Assert.Contains(name, ex.Message);
            Assert.Equal(name, RankingStrategies.Create(name).Name);
        }
    }

    [Fact]
    public void EveryStrategyIsInvariantToThePoolsOrder()
    {
        var pool = RandomPool(slides: 3, size: 40, seed: 5);
        var rng = new Random(11);
        foreach (var name in RankingStrategies.Names)
        {
            var options = new SelectionOptions { K = 6, MinCentreDistanceUm = 6, JitterFraction = 0.5, Seed = 3 };
            var strategy = RankingStrategies.Create(name, new StrategyOptions { Seed = 2, SourceEmbeddings = SourceEmbeddings(30, 1) });
            var reference = CandidateSelector.Select(pool, strategy, options);
            var scoreByKey = reference.Scored.ToDictionary(c => c.Key, c => c.Score);
            for (int trial = 0; trial < 5; trial++)
            {
                var shuffled = pool.OrderBy(_ => rng.Next()).ToArray();
                var again = CandidateSelector.Select(shuffled, strategy, options);
                Assert.Equal(reference.Chosen, again.Chosen);
                Assert.All(again.Scored, c => Assert.Equal(scoreByKey[c.Key], c.Score));
            }
        }
    }
}
