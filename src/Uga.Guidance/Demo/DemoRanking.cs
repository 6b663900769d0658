using Uga.Engine;
using Uga.Guidance.Queue;
using Uga.Guidance.Ranking;
using Uga.Slides;
using Uga.Slides.Tissue;

namespace Uga.Guidance.Demo;

/// <summary>The candidates one strategy chose over the pool (rank order), and the folder of its `uga rank` export if any.</summary>
public sealed record DemoSelection(string Strategy, IReadOnlyList<Candidate> Chosen, string? ExportDir);

/// <summary>
/// Ranking for the demo. The headline strategy runs the real `uga rank` pipeline (<see cref="Ranker"/>: predicts the
/// pool, writes the maps, the ASAP/GeoJSON queue and the preview with numbered boxes). The other strategies are
/// scored on the very same uncertainty maps with the Ranking API directly (grid → strategy → selector, the same
/// calls Ranker makes), so the pool is predicted once rather than once per strategy.
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

    /// <summary>Runs <paramref name="strategy"/> on the maps <paramref name="export"/> wrote under maps/.</summary>
    public static DemoSelection FromMaps(DemoOptions o, RankRequest headline, string strategy, int classCount, double modelSpacingUm)
    {
        var request = headline with { Strategy = strategy };
        var scoring = RankingStrategies.Create(strategy, new StrategyOptions { Measure = request.Measure, Seed = o.Seed });
        var measure = RankingStrategies.MeasureFor(scoring.Name, request.Measure);
        var scale = SlidePredictor.UncertaintyScale(measure, classCount);
        var slides = new List<RankingSlide>();
        foreach (var path in headline.SlidePaths)
        {
            var stem = Path.GetFileNameWithoutExtension(path);
            using var slide = SlideFactory.Open(path);
            var tissue = TissueDetector.Detect(slide, cancel: o.Cancellation);
            var mapPath = Path.Combine(headline.OutDir, "maps", stem + ".uncertainty.tif");
            var (map, _) = UncertaintyTiff.Read(mapPath, modelSpacingUm, scale, long.MaxValue);
            slides.Add(new RankingSlide(stem, (int)slide.Levels[0].Width, (int)slide.Levels[0].Height, slide.Spacing)
            {
                Tissue = tissue,
                Measures = new Dictionary<string, SpacedMap>(StringComparer.Ordinal) { [measure] = map },
            });
        }
        var grid = new GridOptions { PatchSizePx = request.PatchSizePx, SpacingUm = modelSpacingUm, MinTissueFraction = request.MinTissueFraction };
        var pool = CandidateGrid.Build(slides, grid);
        var selection = CandidateSelector.Select(pool, scoring, new SelectionOptions
        {
            K = request.K,
            Mode = request.KMode,
            MaxPerSlide = request.MaxPerSlide,
            Seed = request.Seed,
            Shortfall = ShortfallPolicy.ReturnAllWithWarning,
        });
        return new DemoSelection(strategy, selection.Chosen, null);
    }
}
