using Uga.Imaging;
using Uga.Ranking;

namespace Uga.Ranking.Tests;

/// <summary>Hand-built uncertainty maps and pools for the ranking tests.</summary>
internal static class TestPools
{
    public const string Ce = "ensemble-ce";
    public const string Mi = "mutual-information";

    public static FloatMap Filled(int width, int height, float value)
    {
        var map = new FloatMap(width, height);
        Array.Fill(map.Data, value);
        return map;
    }

    /// <summary>Uniform noise in [0, <paramref name="scale"/>) drawn from <paramref name="random"/>.</summary>
    public static FloatMap Noise(Random random, int width, int height, float scale)
    {
        var map = new FloatMap(width, height);
        for (int i = 0; i < map.Data.Length; i++) map.Data[i] = (float)random.NextDouble() * scale;
        return map;
    }

    public static FloatMap Set(this FloatMap map, PixelRegion region, float value)
    {
        for (int y = region.Y; y < region.Bottom; y++)
            for (int x = region.X; x < region.Right; x++) map[x, y] = value;
        return map;
    }

    public static RankingSlide Slide(string id, FloatMap ce, FloatMap? mi = null, double spacing = 1.0)
    {
        var measures = new Dictionary<string, FloatMap> { [Ce] = ce };
        if (mi is not null) measures[Mi] = mi;
        return RankingSlide.OfImage(id, spacing, measures);
    }

    public static IReadOnlyList<Candidate> Grid(int patch, params RankingSlide[] slides) =>
        CandidateGrid.Build(slides, new GridOptions { PatchSizePx = patch, SpacingUm = slides[0].SpacingUm, MinTissueFraction = 0 });

    /// <summary>The candidate whose region starts at (x, y) on <paramref name="slide"/>.</summary>
    public static Candidate At(this IReadOnlyList<Candidate> pool, string slide, int x, int y) =>
        pool.Single(c => c.SlideId == slide && c.Region.X == x && c.Region.Y == y);

    public static Selection Pick(IReadOnlyList<Candidate> pool, string strategy, int k, StrategyOptions? options = null) =>
        CandidateSelector.Select(pool, RankingStrategies.Create(strategy, options), new SelectionOptions { K = k });

    public static Candidate Winner(IReadOnlyList<Candidate> pool, string strategy, StrategyOptions? options = null) =>
        Pick(pool, strategy, 1, options).Chosen[0];

    /// <summary>A pool of <paramref name="slides"/> slides of 10×10-px patches with pseudo-random uncertainty.</summary>
    public static IReadOnlyList<Candidate> RandomPool(int slides, int size, int seed)
    {
        var rng = new Random(seed);
        var list = new List<RankingSlide>();
        for (int s = 0; s < slides; s++)
        {
            var ce = new FloatMap(size, size);
            var mi = new FloatMap(size, size);
            for (int i = 0; i < ce.Data.Length; i++)
            {
                ce.Data[i] = (float)rng.NextDouble();
                mi.Data[i] = (float)rng.NextDouble() * 0.3f;
            }
            // Random class probabilities (3 classes) and baseline errors, so every strategy of the registry can score it.
            var probabilities = Enumerable.Range(0, 3).Select(_ => new FloatMap(size, size)).ToArray();
            var error = new FloatMap(size, size);
            for (int i = 0; i < ce.Data.Length; i++)
            {
                double a = rng.NextDouble(), b = rng.NextDouble() * (1 - a);
                (probabilities[0].Data[i], probabilities[1].Data[i], probabilities[2].Data[i]) = ((float)a, (float)b, (float)(1 - a - b));
                error.Data[i] = rng.NextDouble() < 0.2 ? 1 : 0;
            }
            var measures = ClassMaps.FromProbabilities(probabilities);
            (measures[Ce], measures[Mi], measures[RankingStrategies.BaselineErrorMeasure]) = (ce, mi, error);
            list.Add(RankingSlide.OfImage($"slide-{s}", 0.5, measures));
        }
        // Random 4-D embeddings, so the embedding strategies can score it too.
        return [.. CandidateGrid.Build(list, new GridOptions { PatchSizePx = 10, SpacingUm = 0.5, MinTissueFraction = 0 })
            .Select(c => c with { Embedding = [.. Enumerable.Range(0, 4).Select(_ => (float)rng.NextDouble())] })];
    }

    /// <summary>Source embeddings for density-ratio: 4-D, centred away from <see cref="RandomPool"/>'s.</summary>
    public static IReadOnlyList<float[]> SourceEmbeddings(int count, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, 4).Select(_ => (float)(0.2 + (0.3 * rng.NextDouble()))).ToArray())];
    }
}
