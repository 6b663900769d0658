using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Learning.Inference;
using Uga.Ranking;

namespace Uga.Experiments.Simulation;

/// <summary>
/// `uga simulate`: the paper's experiment. For every seed a baseline ensemble is trained on the source; for every
/// fold it is evaluated on the fold's evaluation items, predicts the pool, and each strategy picks K pool patches
/// that the reference masks annotate (the oracle); the baseline is fine-tuned on the source plus those patches and
/// evaluated again. A K = 0 control gets the same fine-tuning without patches, so gains are the patches' own.
/// Never prints: progress goes to <see cref="SimulationOptions.Progress"/>.
/// </summary>
public static class SimulationRunner
{
    /// <summary>results.csv of the replicates finished so far, rewritten after each one; the report removes it.</summary>
    public const string PartialResultsFile = "results.partial.csv";

    public static SimulationResult Run(SimulationOptions o)
    {
        o.Validate();
        var clock = new StageClock();
        var (source, target, folds, classNames) = clock.Time("load data", () => Load(o));
        var kMode = o.KMode ?? (SimulationData.IsDataset(o.TargetDir) ? KMode.Total : KMode.PerSlide);
        var grids = folds.Select(f => Grid(f.Pool, null, o)).ToList();
        CheckPoolSize(folds, grids, o, kMode);

        var resumed = SimulationResume.Load(o, classNames.Count);
        var rows = new List<SimulationRow>();
        var warnings = new List<string>();
        var arms = SimulationResume.ExpectedArms(o);
        int total = o.Seeds.Count * (1 + (folds.Count * arms.Count)), done = 0;
        void Step(string what) => o.Progress?.Report(new WorkProgress("simulate", ++done, total, what));

        foreach (int seed in o.Seeds)
        {
            var kept = folds.Select(f => resumed.Where(r => r.Seed == seed && r.Fold == f.Index).ToList()).ToList();
            if (kept.All(k => k.Count > 0))
            {
                foreach (var k in kept) rows.AddRange(k);
                done += 1 + (folds.Count * arms.Count);
                continue;
            }
            using var baseline = clock.Time("train baselines", () => Baseline(o, seed, source));
            Step($"seed {seed}: baseline ready");
            for (int f = 0; f < folds.Count; f++)
            {
                if (kept[f].Count > 0)
                {
                    rows.AddRange(kept[f]);
                    done += arms.Count;
                    continue;
                }
                RunReplicate(new ReplicateContext(o, seed, folds[f], baseline, source, clock, kMode), rows, warnings, Step);
                // An hour-long run should not lose every finished replicate to one crash (see docs/results).
                SimulationCsv.Write(Snapshot(), Path.Combine(o.OutDir, PartialResultsFile));
            }
        }
        return Snapshot();

        SimulationResult Snapshot() => new()
        {
            Options = o,
            ClassNames = classNames,
            KMode = kMode,
            SourceImages = source.Count,
            TargetItems = target.Count,
            Folds = [.. folds.Select((f, i) => new FoldSummary(f.Index, f.Pool.Count, f.Evaluation.Count, grids[i].Count,
                [.. f.Evaluation.Select(e => e.Group).Distinct(StringComparer.Ordinal)]))],
            Rows = [.. rows],
            Stages = [.. clock.Stages],
            Warnings = [.. warnings.Distinct()],
            TargetClassFractions = ClassFractions(target, classNames.Count),
        };
    }

    // The seed's baseline: trained, or read back from models/seed-N when resuming (training is deterministic per seed).
    private static Ensemble Baseline(SimulationOptions o, int seed, IReadOnlyList<SegmentationSample> source)
    {
        var dir = Path.Combine(o.OutDir, "models", $"seed-{seed}");
        if (o.Resume && Directory.Exists(dir)) return Ensemble.Load(dir);
        var baseline = EnsembleTrainer.Train(o.BaselineTraining(seed, source), o.Progress, o.Cancellation);
        AtomicFile.WriteDirectory(dir, baseline.Save);
        return baseline;
    }

    private static void RunReplicate(ReplicateContext context, List<SimulationRow> rows, List<string> warnings, Action<string> step)
    {
        var (o, seed, fold) = (context.Options, context.Seed, context.Fold.Index);
        rows.Add(context.EvaluateArm(SimulationRow.BaselineArm, null, 0, [], null, context.BaselineModel, 0));
        step($"seed {seed} fold {fold}: baseline evaluated");
        if (o.Adapt)
        {
            rows.Add(context.AdaptArm(SimulationRow.AdaptArm, null, 0, [], null, context.BaselineModel));
            step($"seed {seed} fold {fold}: adapt");
        }
        var pool = context.Clock.Time("predict + rank pool", () => context.PredictPool());
        foreach (var row in context.FineTuneArm(SimulationRow.ControlArm, null, 0, [], null))
        {
            rows.Add(row);
            step($"seed {seed} fold {fold}: {row.Arm}");
        }
        foreach (var strategy in o.Strategies)
            foreach (int k in o.Ks)
            {
                var (chosen, quality, selectionWarnings) = context.Clock.Time("predict + rank pool", () => context.Choose(pool, strategy, k));
                warnings.AddRange(selectionWarnings.Select(w => $"seed {seed} fold {fold} {strategy} K={k}: {w}"));
                foreach (var row in context.FineTuneArm(strategy, strategy, k, chosen, quality))
                {
                    rows.Add(row);
                    step($"seed {seed} fold {fold}: {row.Arm} K={k}");
                }
            }
    }

    private static (IReadOnlyList<SegmentationSample>, IReadOnlyList<TargetItem>, IReadOnlyList<SimulationFold>, IReadOnlyList<string>) Load(SimulationOptions o)
    {
        var source = SimulationData.LoadSource(o, o.ClassNames?.Count);
        int classCount = o.ClassNames?.Count ?? SegmentationDataset.InferClassCount(source);
        var classNames = o.ClassNames ?? EnsembleTrainer.DefaultClassNames(classCount);
        var target = SimulationData.LoadTarget(o, classCount);
        return (source, target, SimulationData.Split(target, o.Folds), classNames);
    }

    /// <summary>The candidate grid over a pool, with the given uncertainty maps (none: only to count candidates).</summary>
    internal static IReadOnlyList<Candidate> Grid(IReadOnlyList<TargetItem> pool, IReadOnlyDictionary<string, Dictionary<string, FloatMap>>? maps, SimulationOptions o)
    {
        var slides = pool.Select(item => new RankingSlide(item.Id, item.Image.Width, item.Image.Height, o.SpacingUm)
        {
            Tissue = item.Tissue,
            Colour = new SpacedImage(item.Image, o.SpacingUm),
            Measures = maps is null ? new Dictionary<string, SpacedMap>()
                : maps[item.Id].ToDictionary(kv => kv.Key, kv => new SpacedMap(kv.Value, o.SpacingUm), StringComparer.Ordinal),
        }).ToList();
        return CandidateGrid.Build(slides, o.Grid);
    }

    // Fails before any training when a fold cannot give the largest K: a comparison that silently takes fewer
    // patches than it says would be misleading.
    private static void CheckPoolSize(IReadOnlyList<SimulationFold> folds, IReadOnlyList<IReadOnlyList<Candidate>> grids, SimulationOptions o, KMode mode)
    {
        int k = o.Ks.Max();
        for (int f = 0; f < folds.Count; f++)
        {
            int needed = mode == KMode.Total ? k : k * folds[f].Pool.Count;
            if (grids[f].Count == 0)
                throw new InvalidInputException(o.TargetDir, $"fold {f}: the annotation pool has no candidate patches (patch {o.PatchSize} px at {o.SpacingUm} µm/px, minimum tissue {o.MinTissueFraction})");
            if (grids[f].Count < needed)
                throw new InvalidInputException(o.TargetDir, $"fold {f}: K={k} ({KModes.Name(mode)}) needs {needed} patches but the pool has only {grids[f].Count} candidates; lower K or use fewer folds");
        }
    }

    private static double[] ClassFractions(IReadOnlyList<TargetItem> items, int classes)
    {
        var counts = new long[classes];
        foreach (var item in items)
            foreach (byte v in item.Labels.Data)
                if (v < classes) counts[v]++;
        double sum = Math.Max(1, counts.Sum());
        return [.. counts.Select(c => c / sum)];
    }

    /// <summary>Accumulates wall and CPU time per named stage.</summary>
    internal sealed class StageClock
    {
        private readonly List<SimulationStage> _stages = [];

        public IReadOnlyList<SimulationStage> Stages => _stages;

        public T Time<T>(string name, Func<T> work)
        {
            var (result, wall, cpu) = StageTimer.Measure(work);
            var spent = new SimulationStage(name, wall, cpu, 1);
            int i = _stages.FindIndex(s => s.Name == name);
            if (i < 0) _stages.Add(spent);
            else _stages[i] = _stages[i] with
            {
                WallSeconds = _stages[i].WallSeconds + spent.WallSeconds,
                CpuSeconds = _stages[i].CpuSeconds + spent.CpuSeconds,
                Runs = _stages[i].Runs + 1,
            };
            return result;
        }
    }

    /// <summary>The baseline's view of one pool: its maps, candidates, error counts and predictions.</summary>
    internal sealed record PoolState(
        IReadOnlyList<Candidate> Grid, PatchErrors[] Errors, IReadOnlyDictionary<string, LabelMap> Predictions, IReadOnlyList<float[]>? SourceEmbeddings);
}
