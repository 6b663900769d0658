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

    public SimulationOptions Options => o;
    public int Seed => seed;
    public SimulationFold Fold => fold;
    public Ensemble BaselineModel => baseline;
    public SimulationRunner.StageClock Clock => clock;
    private readonly Dictionary<string, TargetItem> _poolById = fold.Pool.ToDictionary(i => i.Id, StringComparer.Ordinal);

    /// <summary>Baseline maps of every measure a strategy reads, its predictions, the candidate grid and its errors.</summary>
    public SimulationRunner.PoolState PredictPool()
    {
        var measures = o.Strategies.Select(s => RankingStrategies.MeasureFor(s, o.Measure)).Append(o.Measure)
            .Where(m => m != RankingStrategies.BaselineErrorMeasure).Distinct(StringComparer.Ordinal).ToList();
        bool classMaps = o.Strategies.Any(RankingStrategies.NeedsClassMaps);
        bool oracle = o.Strategies.Any(s => RankingStrategies.MeasureFor(s, o.Measure) == RankingStrategies.BaselineErrorMeasure);
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
            if (classMaps)
                foreach (var (name, map) in ClassMaps.FromProbabilities(result.Probabilities)) maps[item.Id][name] = map;
            predictions[item.Id] = result.Labels;
            var errors = ErrorAgreement.ErrorMask(result.Labels, item.Labels);
            errorMasks[item.Id] = new SpacedMask(errors, o.SpacingUm);
            if (oracle) maps[item.Id][RankingStrategies.BaselineErrorMeasure] = new FloatMap(errors.Width, errors.Height, [.. errors.Data.Select(v => v == 1 ? 1f : 0f)]);
        }
        var grid = SimulationRunner.Grid(fold.Pool, maps, o);
        IReadOnlyList<float[]>? sourceEmbeddings = null;
        if (o.Strategies.Any(RankingStrategies.NeedsEmbeddings))
        {
            using var embedder = new PatchEmbedder(baseline, o.Threads);
            var embeddings = embedder.Compute([.. grid.Select(c => _poolById[c.SlideId].Image.Crop(c.Region))], o.Cancellation);
            grid = [.. grid.Select((c, i) => c with { Embedding = embeddings[i] })];
            sourceEmbeddings = embedder.Compute(SourcePatches(), o.Cancellation);
        }
        return new SimulationRunner.PoolState(grid, ErrorAgreement.CountErrors(grid, errorMasks), predictions, sourceEmbeddings);
    }

    // Up to 256 patch-size crops of the source images on a grid, spread evenly: the source side of density-ratio.
    private List<RgbImage> SourcePatches()
    {
        var crops = source.SelectMany((s, i) => TileGrid.Regions(s.Image.Width, s.Image.Height, o.PatchSize).Select(r => (Image: i, Region: r))).ToList();
        return [.. TileGrid.EvenSample(crops, 256).Select(t => source[t.Image].Image.Crop(t.Region))];
    }

    /// <summary>The strategy's K patches, annotated by the reference, and how well they hit the baseline's errors.</summary>
    public (IReadOnlyList<SegmentationSample> Samples, ChoiceQuality Quality, IReadOnlyList<string> Warnings) Choose(
        SimulationRunner.PoolState pool, string strategy, int k)
    {
        var settings = o.RankSettings(strategy, k, kMode, seed);
        settings = settings with { StrategyOptions = settings.StrategyOptions with { SourceEmbeddings = pool.SourceEmbeddings } };
        var selection = settings.Choose(pool.Grid);
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

    /// <summary>
    /// Fine-tunes the baseline on the source plus <paramref name="patches"/> and evaluates it; with
    /// <see cref="SimulationOptions.Adapt"/> also the fine-tuned model after BatchNorm re-estimation on the pool
    /// (arm "adapt+ARM"), which needs no further label.
    /// </summary>
    public IEnumerable<SimulationRow> FineTuneArm(string arm, string? strategy, int k, IReadOnlyList<SegmentationSample> patches, ChoiceQuality? quality)
    {
        var watch = Stopwatch.StartNew();
        using var tuned = clock.Time("fine-tune", () =>
            o.Recipe.Run(baseline, o.BaselineTraining(seed, source), patches, null, o.Cancellation));
        yield return EvaluateArm(arm, strategy, k, patches, quality, tuned, watch.Elapsed.TotalSeconds);
        if (o.Adapt) yield return AdaptArm(SimulationRow.AdaptPrefix + arm, strategy, k, patches, quality, tuned);
    }

    /// <summary>The model with its BatchNorm statistics re-estimated on the pool images (no labels), evaluated.</summary>
    public SimulationRow AdaptArm(string arm, string? strategy, int k, IReadOnlyList<SegmentationSample> patches, ChoiceQuality? quality, Ensemble model)
    {
        var watch = Stopwatch.StartNew();
        using var adapted = clock.Time("adapt", () => BatchNormAdaptation.Adapt(model, [.. fold.Pool.Select(i => i.Image)],
            new AdaptationOptions { Seed = seed }, null, o.Cancellation));
        return EvaluateArm(arm, strategy, k, patches, quality, adapted, watch.Elapsed.TotalSeconds);
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
