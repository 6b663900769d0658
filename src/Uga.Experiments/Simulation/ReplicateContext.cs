using System.Diagnostics;
using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Uncertainty;
using Uga.Learning;
using Uga.Learning.Inference;
using Uga.Ranking;

namespace Uga.Experiments.Simulation;

/// <summary>
/// One replicate of the simulation (a seed's baseline on one fold): predicts the pool, lets a strategy choose,
/// has the reference masks annotate the chosen patches, fine-tunes and evaluates. All arms of a replicate share the
/// baseline, the pool maps and the fine-tuning settings, so they differ only in which patches were annotated.
/// </summary>
internal sealed class ReplicateContext(
    SimulationOptions o, int seed, SimulationFold fold, Ensemble baseline, IReadOnlyList<SegmentationSample> source,
    SimulationRunner.StageClock clock, KMode kMode)
{
    private readonly int _classes = baseline.Manifest.ClassCount;
    private readonly Dictionary<string, TargetItem> _poolById = fold.Pool.ToDictionary(i => i.Id, StringComparer.Ordinal);

    /// <summary>Baseline maps of every measure a strategy reads, its predictions, the candidate grid and its errors.</summary>
    public SimulationRunner.PoolState PredictPool()
    {
        var measures = o.Strategies.Select(s => RankingStrategies.MeasureFor(s, o.Measure)).Append(o.Measure)
            .Distinct(StringComparer.Ordinal).ToList();
        var maps = new Dictionary<string, Dictionary<string, FloatMap>>(StringComparer.Ordinal);
        var predictions = new Dictionary<string, LabelMap>(StringComparer.Ordinal);
        var errorMasks = new Dictionary<string, SpacedMask>(StringComparer.Ordinal);
        foreach (var item in fold.Pool)
        {
            var result = TiledPredictor.Predict(baseline, item.Image, o.SpacingUm, new PredictOptions
            {
                BatchSize = o.BatchSize,
                KeepSamples = true,
                Uncertainty = o.Measure,
                Cancellation = o.Cancellation,
            });
            // The predictor already computed o.Measure; only the other measures are computed from the kept samples.
            maps[item.Id] = measures.ToDictionary(m => m, m => m == result.UncertaintyMeasure ? result.Uncertainty
                : UncertaintyMeasures.Map(UncertaintyMeasures.Get(m), result.Samples!), StringComparer.Ordinal);
            predictions[item.Id] = result.Labels;
            errorMasks[item.Id] = new SpacedMask(ErrorAgreement.ErrorMask(result.Labels, item.Labels), o.SpacingUm);
        }
        var grid = SimulationRunner.Grid(fold.Pool, maps, o);
        return new SimulationRunner.PoolState(grid, ErrorAgreement.CountErrors(grid, errorMasks), predictions);
    }

    /// <summary>The strategy's K patches, annotated by the reference, and how well they hit the baseline's errors.</summary>
    public (IReadOnlyList<SegmentationSample> Samples, ChoiceQuality Quality, IReadOnlyList<string> Warnings) Choose(
        SimulationRunner.PoolState pool, string strategy, int k)
    {
        var selection = o.RankSettings(strategy, k, kMode, seed).Choose(pool.Grid);
        var agreement = ErrorAgreement.Evaluate(selection, pool.Errors, Math.Max(1, selection.Chosen.Count));
        var onChosen = new ClassCounts(_classes);
        var samples = new List<SegmentationSample>();
        foreach (var c in selection.Chosen)
        {
            var item = _poolById[c.SlideId];
            var region = c.ShownRegion;
            var reference = item.Labels.Crop(region, LabelMap.Ignore);
            onChosen.Add(SegmentationMetrics.Count(pool.Predictions[c.SlideId].Crop(region, LabelMap.Ignore), reference, _classes));
            samples.Add(new SegmentationSample($"{c.SlideId}#{c.Rank}", item.Image.Crop(region), reference));
        }
        var quality = new ChoiceQuality(onChosen.MeanDice(), agreement.MeanErrorFractionChosen, agreement.MeanErrorFractionPool,
            agreement.TopNFound, agreement.Spearman, selection.Chosen.Select(c => c.SlideId).Distinct().Count());
        return (samples, quality, selection.Warnings);
    }

    /// <summary>Fine-tunes the baseline on the source plus <paramref name="patches"/> and evaluates it.</summary>
    public SimulationRow FineTuneArm(string arm, string? strategy, int k, IReadOnlyList<SegmentationSample> patches, ChoiceQuality? quality)
    {
        var watch = Stopwatch.StartNew();
        using var tuned = clock.Time("fine-tune", () =>
            o.Recipe.Run(baseline, o.BaselineTraining(seed, source), patches, null, o.Cancellation));
        return EvaluateArm(arm, strategy, k, patches, quality, tuned, watch.Elapsed.TotalSeconds);
    }

    /// <summary>Pooled Dice of <paramref name="model"/> over the fold's evaluation items.</summary>
    public SimulationRow EvaluateArm(string arm, string? strategy, int k, IReadOnlyList<SegmentationSample> patches,
        ChoiceQuality? quality, Ensemble model, double trainingSeconds)
    {
        var watch = Stopwatch.StartNew();
        var counts = clock.Time("evaluate", () =>
        {
            var pooled = new ClassCounts(_classes);
            foreach (var item in fold.Evaluation)
            {
                var labels = TiledPredictor.Predict(model, item.Image, o.SpacingUm, new PredictOptions
                {
                    // A quarter-patch overlap instead of half: evaluation runs once per arm and replicate, and the
                    // blended labels differ from half-overlap ones only along a few seams.
                    Overlap = o.PatchSize / 4,
                    BatchSize = o.BatchSize,
                    Cancellation = o.Cancellation,
                }).Labels;
                pooled.Add(SegmentationMetrics.Count(labels, item.Labels, _classes));
            }
            return pooled;
        });
        return new SimulationRow(fold.Index, seed, arm, strategy, k, patches.Count, counts.DicePerClass(), counts.MeanDice(),
            quality, trainingSeconds + watch.Elapsed.TotalSeconds);
    }
}
