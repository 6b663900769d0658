using Uga.Loop.Queue;
using Uga.Ranking;

namespace Uga.Experiments.Demo;

/// <summary>The candidates one strategy chose over the pool (rank order), and the folder of its `uga rank` export if any.</summary>
public sealed record DemoSelection(string Strategy, IReadOnlyList<Candidate> Chosen, string? ExportDir);

/// <summary>
/// Ranking for the demo: every strategy runs the real `uga rank` pipeline (<see cref="Ranker"/>: the pool's
/// prediction artifacts, the ASAP/GeoJSON queue and the preview with numbered boxes). The headline predicts the
/// pool; the others reuse its artifacts, so the pool is predicted once rather than once per strategy.
/// </summary>
internal static class DemoRanking
{
    public static RankRequest Request(DemoOptions o, string modelDir, IReadOnlyList<string> slides, string strategy, string outDir) => new()
    {
        ModelDir = modelDir,
        SlidePaths = slides,
        OutDir = outDir,
        K = o.Ks.Max(),
        Strategy = strategy,
        PatchSizePx = o.PatchSize,
        MaxPerSlide = o.EffectiveMaxPerSlide,
        Seed = o.Seed,
        BatchSize = o.BatchSize,
        PreviewSize = 768,
        Progress = o.Progress,
        Cancellation = o.Cancellation,
    };

    /// <summary>
    /// <paramref name="strategy"/> through the same `uga rank` pipeline as the headline, on the prediction artifacts the
    /// headline stored (so the pool is predicted once, at full precision), with its own export folder.
    /// </summary>
    public static DemoSelection Other(RankRequest headline, string strategy, string outDir)
    {
        var result = Ranker.Run(headline with { Strategy = strategy, OutDir = outDir, ArtifactsDir = headline.ArtifactsDir ?? Path.Combine(headline.OutDir, "maps") });
        return new DemoSelection(strategy, result.Selection.Chosen, outDir);
    }
}
