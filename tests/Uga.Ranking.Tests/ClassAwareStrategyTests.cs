using Uga.Imaging;
using Uga.Ranking;
using static Uga.Ranking.Tests.TestPools;

namespace Uga.Ranking.Tests;

/// <summary>The class-aware and stochastic strategies on hand-built probability maps whose winner is known.</summary>
public class ClassAwareStrategyTests
{
    // Four 10×10 patches side by side; each patch's mean class probabilities are set per patch.
    private static IReadOnlyList<Candidate> Pool(float[][] patchProbabilities, float[]? ce = null)
    {
        int classes = patchProbabilities[0].Length, patches = patchProbabilities.Length;
        var maps = Enumerable.Range(0, classes).Select(_ => new FloatMap(10 * patches, 10)).ToArray();
        var uncertainty = new FloatMap(10 * patches, 10);
        for (int p = 0; p < patches; p++)
        {
            for (int c = 0; c < classes; c++) maps[c].Set(new PixelRegion(10 * p, 0, 10, 10), patchProbabilities[p][c]);
            uncertainty.Set(new PixelRegion(10 * p, 0, 10, 10), ce?[p] ?? 0.5f);
        }
        var measures = ClassMaps.FromProbabilities(maps);
        measures[Ce] = uncertainty;
        return Grid(10, RankingSlide.OfImage("s", 1.0, measures));
    }

    [Fact]
    public void ClassMapsAreTheLabelIndicatorAndTheClassWeightedEntropy()
    {
        var p0 = new FloatMap(2, 1, [0.7f, 0.2f]);
        var p1 = new FloatMap(2, 1, [0.3f, 0.8f]);
        var maps = ClassMaps.FromProbabilities([p0, p1]);
        Assert.Equal([1f, 0f], maps[ClassMaps.Share(0)].Data);
        Assert.Equal([0f, 1f], maps[ClassMaps.Share(1)].Data);
        double h = -((0.7 * Math.Log(0.7)) + (0.3 * Math.Log(0.3)));
        Assert.Equal(h * 0.7, maps[ClassMaps.Entropy(0)].Data[0], 5);
        Assert.Equal(h * 0.3, maps[ClassMaps.Entropy(1)].Data[0], 5);
    }

    [Fact]
    public void ForegroundRandomOnlyPicksBackgroundWhenNoForegroundIsLeft()
    {
        // Only patch 2 is predicted foreground; plain random picks other patches for some seeds.
        var pool = Pool([[0.9f, 0.1f], [0.9f, 0.1f], [0.2f, 0.8f], [0.9f, 0.1f]]);
        var fg = Enumerable.Range(0, 20).Select(seed => Winner(pool, "foreground-random", new StrategyOptions { Seed = seed }).Region.X).ToList();
        var random = Enumerable.Range(0, 20).Select(seed => Winner(pool, "random", new StrategyOptions { Seed = seed }).Region.X).ToList();
        Assert.All(fg, x => Assert.Equal(20, x));
        Assert.Contains(random, x => x != 20);
        // K = 2: the foreground patch first, then a background one rather than a shortfall.
        var two = Pick(pool, "foreground-random", 2);
        Assert.Equal(20, two.Chosen[0].Region.X);
        Assert.Equal(2, two.Chosen.Count);
    }

    [Fact]
    public void ImpurityPrefersUncertainClassBoundariesOverUncertainPureRegions()
    {
        // Patch 0: pure class 1, very uncertain. Patch 1: half class 0 / half class 1, moderately uncertain.
        // Patch 2: mixed but certain. Patch 3: pure background, certain.
        var ce = new[] { 0.9f, 0.4f, 0f, 0f };
        var probabilities = new FloatMap[2];
        probabilities[0] = Filled(40, 10, 0.2f).Set(new PixelRegion(10, 0, 5, 10), 0.8f).Set(new PixelRegion(20, 0, 5, 10), 0.8f).Set(new PixelRegion(30, 0, 10, 10), 0.9f);
        probabilities[1] = new FloatMap(40, 10, [.. probabilities[0].Data.Select(v => 1 - v)]);
        var measures = ClassMaps.FromProbabilities(probabilities);
        var uncertainty = new FloatMap(40, 10);
        for (int p = 0; p < 4; p++) uncertainty.Set(new PixelRegion(10 * p, 0, 10, 10), ce[p]);
        measures[Ce] = uncertainty;
        var pool = Grid(10, RankingSlide.OfImage("s", 1.0, measures));

        Assert.Equal(0, Winner(pool, "uncertainty-sum").Region.X);
        var winner = Winner(pool, "impurity");
        Assert.Equal(10, winner.Region.X);
        Assert.Equal(Math.Log(2) * 0.4, winner.Score, 5);
        Assert.Equal(0.5, ClassMaps.LabelHistogram(pool.At("s", 20, 0))[0], 6); // mixed, but certain: score 0
    }

    [Fact]
    public void ClassStratifiedGivesTheRareClassAPatchThatTheEntropySumWouldNot()
    {
        // Three classes. Patches 0 and 1: very unsure between background and class 1. Patch 2: class 2 present with
        // a smaller entropy. Patch 3: confident background.
        var pool = Pool([[0.5f, 0.5f, 0f], [0.45f, 0.55f, 0f], [0.1f, 0.3f, 0.6f], [0.98f, 0.01f, 0.01f]]);
        var sum = Pick(Pool([[0.5f, 0.5f, 0f], [0.45f, 0.55f, 0f], [0.1f, 0.3f, 0.6f], [0.98f, 0.01f, 0.01f]],
            [0.69f, 0.69f, 0.6f, 0.1f]), "uncertainty-sum", 2);
        Assert.DoesNotContain(sum.Chosen, c => c.Region.X == 20);

        // β very large: the noise vanishes, the round-robin is deterministic: class 1's best (patch 1: H·p̄₁ =
        // 0.688·0.55 beats patch 0's 0.693·0.5), then class 2's best (patch 2).
        var chosen = Pick(pool, "class-stratified", 2, new StrategyOptions { StochasticBeta = 1e9 }).Chosen;
        Assert.Equal([10, 20], chosen.Select(c => c.Region.X));
    }

    [Fact]
    public void StochasticSamplingFollowsScoreToThePowerBeta()
    {
        // Two patches with uncertainty sums in ratio 3:1; β = 1 picks the larger with probability 3/4.
        var ce = Filled(20, 10, 0.3f).Set(new PixelRegion(10, 0, 10, 10), 0.1f);
        var pool = Grid(10, Slide("s", ce));
        int first = Enumerable.Range(0, 4000)
            .Count(seed => Winner(pool, "uncertainty-sum", new StrategyOptions { Seed = seed, StochasticBeta = 1 }).Region.X == 0);
        Assert.InRange(first / 4000.0, 0.72, 0.78);
        // β large: always the top; β tiny: close to a coin flip.
        Assert.All(Enumerable.Range(0, 50), seed =>
            Assert.Equal(0, Winner(pool, "uncertainty-sum", new StrategyOptions { Seed = seed, StochasticBeta = 1000 }).Region.X));
        int coin = Enumerable.Range(0, 2000)
            .Count(seed => Winner(pool, "uncertainty-sum", new StrategyOptions { Seed = seed, StochasticBeta = 0.01 }).Region.X == 0);
        Assert.InRange(coin / 2000.0, 0.45, 0.56);
    }

    [Fact]
    public void StochasticScoresDoNotDependOnThePoolOrder()
    {
        var pool = RandomPool(2, 40, 3);
        var options = new StrategyOptions { Seed = 5, StochasticBeta = 2 };
        var forward = Pick(pool, "uga-paper", 4, options).Chosen.Select(c => c.Key).ToList();
        var backward = Pick([.. pool.Reverse()], "uga-paper", 4, options).Chosen.Select(c => c.Key).ToList();
        Assert.Equal(forward, backward);
    }

    [Fact]
    public void OracleRanksByTheBaselineErrorMapAndBadBetaIsAnInputError()
    {
        var error = Filled(30, 10, 0f).Set(new PixelRegion(20, 0, 10, 5), 1f);
        var ce = Filled(30, 10, 0.9f).Set(new PixelRegion(20, 0, 10, 10), 0.1f);
        var pool = Grid(10, RankingSlide.OfImage("s", 1.0, new Dictionary<string, FloatMap> { [Ce] = ce, [RankingStrategies.BaselineErrorMeasure] = error }));
        Assert.Equal(20, Winner(pool, "oracle").Region.X);
        Assert.Equal(RankingStrategies.BaselineErrorMeasure, RankingStrategies.MeasureFor("oracle", Ce));
        Assert.Throws<InvalidInputException>(() => RankingStrategies.Create("uga-paper", new StrategyOptions { StochasticBeta = 0 }));
        // A class-aware strategy on candidates without class maps says what is missing.
        var e = Assert.Throws<InvalidInputException>(() => Winner(Grid(10, Slide("s", ce)), "impurity"));
        Assert.Contains("class probability maps", e.Message);
    }
}
