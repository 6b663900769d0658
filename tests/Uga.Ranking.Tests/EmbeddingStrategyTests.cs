using Uga.Imaging;
using Uga.Ranking;
using static Uga.Ranking.Tests.TestPools;

namespace Uga.Ranking.Tests;

/// <summary>clue, typical and density-ratio on hand-placed 2-D embeddings whose answer is known.</summary>
public class EmbeddingStrategyTests
{
    // One slide of 1×N 10-px patches; patch i gets embedding points[i] and uncertainty ce[i].
    private static IReadOnlyList<Candidate> Pool((double X, double Y)[] points, float[] ce)
    {
        var map = new FloatMap(10 * points.Length, 10);
        for (int i = 0; i < points.Length; i++) map.Set(new PixelRegion(10 * i, 0, 10, 10), ce[i]);
        var pool = Grid(10, Slide("s", map));
        return [.. pool.Select(c => c with { Embedding = [(float)points[c.Region.X / 10].X, (float)points[c.Region.X / 10].Y] })];
    }

    private static int[] Chosen(IReadOnlyList<Candidate> pool, string strategy, int k, StrategyOptions? options = null) =>
        [.. Pick(pool, strategy, k, options).Chosen.Select(c => c.Region.X / 10).Order()];

    // Two tight clusters (around (0,0) and (10,10)) and a far outlier (30, 0).
    private static readonly (double, double)[] Clusters =
        [(0, 0), (0.2, 0), (0, 0.2), (0.1, 0.1), (10, 10), (10.2, 10), (10, 10.2), (10.1, 10.1), (30, 0)];

    [Fact]
    public void TypicalTakesTheDenseCentreOfEachClusterNotTheOutlier()
    {
        var pool = Pool(Clusters, [.. Clusters.Select(_ => 0.5f)]);
        var chosen = Chosen(pool, "typical", 2, new StrategyOptions { Seed = 1 });
        Assert.Equal(2, chosen.Length);
        Assert.DoesNotContain(8, chosen);
        Assert.Contains(chosen, i => i < 4);
        Assert.Contains(chosen, i => i is >= 4 and < 8);
    }

    [Fact]
    public void ClueFollowsTheUncertaintyWithinEachCluster()
    {
        // Cluster A's uncertainty is on patch 1, cluster B's on patch 6; the outlier is certain.
        var ce = new[] { 0.01f, 1f, 0.01f, 0.01f, 0.01f, 0.01f, 1f, 0.01f, 0f };
        var chosen = Chosen(Pool(Clusters, ce), "clue", 2, new StrategyOptions { Seed = 3 });
        Assert.Equal([1, 6], chosen);
    }

    [Fact]
    public void DensityRatioFindsTheTissueTheSourceNeverShowed()
    {
        // Source patches all sit near (0,0) and (10,10); the outlier (30,0) is what the target has and the source lacks.
        var source = Clusters.Take(8).Select(p => new[] { (float)p.Item1, (float)p.Item2 }).ToList();
        var pool = Pool(Clusters, [.. Clusters.Select(_ => 0.5f)]);
        Assert.Equal([8], Chosen(pool, "density-ratio", 1, new StrategyOptions { SourceEmbeddings = source }));
        var e = Assert.Throws<InvalidInputException>(() => Pick(pool, "density-ratio", 1));
        Assert.Contains("source patches", e.Message);
    }

    [Fact]
    public void EmbeddingStrategiesSayWhenThereAreNoEmbeddings()
    {
        var pool = Grid(10, Slide("s", Filled(30, 10, 0.5f)));
        foreach (var name in new[] { "clue", "typical" })
            Assert.Contains("needs patch embeddings", Assert.Throws<InvalidInputException>(() => Pick(pool, name, 2)).Message);
    }
}
