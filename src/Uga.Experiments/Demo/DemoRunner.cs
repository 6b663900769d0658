using System.Diagnostics;
using Uga.Experiments;
using Uga.Experiments.Reports;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Loop.Adaptation;
using Uga.Loop.Queue;
using Uga.Phantom;

namespace Uga.Experiments.Demo;

/// <summary>
/// `uga demo`: the whole uncertainty-guided loop on phantom slides. Trains a baseline on centre A, predicts and ranks
/// the centre B pool, lets an oracle (the reference masks) annotate the top-K patches of each strategy, fine-tunes the
/// baseline on the centre A data plus those patches (same steps for every arm, and a K = 0 control), evaluates every
/// model on held-out centre B slides and writes report.html. Uses the same library calls as `uga train`,
/// `uga rank`, fine-tuning and `uga evaluate`. Never prints: progress goes to <see cref="DemoOptions.Progress"/>.
/// </summary>
public static class DemoRunner
{
    public static readonly IReadOnlyList<string> ClassNames = PhantomSlideWriter.ClassNames;

    /// <summary>The arm without annotation: BatchNorm statistics re-estimated on the centre-B pool (AdaBN).</summary>
    public const string AdaptArm = "adapt K=0 (no labels)";

    // Pool tiles for the re-estimation: enough for stable statistics, a few seconds of forward passes.
    private const int AdaptTiles = 256;

    public static DemoResult Run(DemoOptions o)
    {
        o.Validate();
        var stages = new List<DemoStage>();
        var data = Timed(stages, "generate phantoms", () => DemoData.Generate(o, Path.Combine(o.OutDir, "data")));

        var modelDir = Path.Combine(o.OutDir, "models", "baseline");
        using var baseline = Timed(stages, "train baseline (centre A)", () =>
        {
            var trained = EnsembleTrainer.Train(TrainingOptions(o, data.TrainDir), o.Progress, o.Cancellation);
            trained.Save(modelDir);
            return trained;
        });

        var rankDir = Path.Combine(o.OutDir, "rank");
        var headline = DemoRanking.Request(o, modelDir, data.PoolSlides, o.Strategies[0], Path.Combine(rankDir, o.Strategies[0]));
        var queues = Timed(stages, "predict + rank pool (centre B)", () =>
        {
            var rank = Ranker.Run(headline);
            var list = new List<DemoSelection> { new(o.Strategies[0], rank.Selection.Chosen, headline.OutDir) };
            foreach (var s in o.AllStrategies.Skip(1))
                list.Add(DemoRanking.Other(headline, s, Path.Combine(rankDir, s)));
            return list;
        });

        var oracles = data.PoolSlides.ToDictionary(p => Path.GetFileNameWithoutExtension(p),
            p => new OracleAnnotator(p, PhantomSlideWriter.LabelsPathFor(p)), StringComparer.Ordinal);
        var annotated = Timed(stages, "oracle annotates", () => queues.ToDictionary(q => q.Strategy,
            q => q.Chosen.Select(c => oracles[c.SlideId].Annotate(c)).ToList()));

        var evalDir = Path.Combine(o.OutDir, "eval");
        var arms = new List<DemoArm>();
        var shown = new Dictionary<string, IReadOnlyDictionary<string, LabelMap>>(StringComparer.Ordinal);
        DemoArm? atA = null;
        Timed(stages, "evaluate baseline", () =>
        {
            var (counts, predictions) = DemoEvaluation.Evaluate(baseline, data.EvalDir, Path.Combine(evalDir, "baseline"), o, "evaluate baseline");
            arms.Add(DemoEvaluation.Arm("baseline", null, 0, 0, counts));
            shown["baseline"] = predictions;
            var (countsA, _) = DemoEvaluation.Evaluate(baseline, data.EvalAtCentreADir, Path.Combine(evalDir, "baseline-at-A"), o, "evaluate baseline at A");
            atA = DemoEvaluation.Arm("baseline at centre A", null, 0, 0, countsA);
            return 0;
        });

        // The label-free arm: the baseline's BatchNorm statistics re-estimated on the unlabelled centre-B pool.
        Timed(stages, "adapt (no labels) + evaluate", () =>
        {
            var tiles = TargetTiles.FromSlides(data.PoolSlides, o.SpacingUm, o.PatchSize, AdaptTiles, cancel: o.Cancellation);
            using var adapted = BatchNormAdaptation.Adapt(baseline, tiles, new AdaptationOptions { Seed = o.Seed }, o.Progress, o.Cancellation);
            var (counts, predictions) = DemoEvaluation.Evaluate(adapted, data.EvalDir, Path.Combine(evalDir, Slug(AdaptArm)), o, "evaluate " + AdaptArm);
            arms.Add(DemoEvaluation.Arm(AdaptArm, null, 0, 0, counts));
            shown[AdaptArm] = predictions;
            return 0;
        });

        var plan = new List<(string Name, string? Strategy, int K)> { ("control K=0", null, 0) };
        foreach (var s in o.AllStrategies)
            foreach (var k in o.Ks) plan.Add(($"{s} K={k}", s, k));
        Timed(stages, $"fine-tune + evaluate {plan.Count} arms", () =>
        {
            foreach (var (name, strategy, k) in plan)
            {
                var extra = strategy is null ? [] : annotated[strategy].Take(k).ToList();
                using var tuned = o.Recipe.Run(baseline, TrainingOptions(o, data.TrainDir), extra, o.Progress, o.Cancellation);
                var folder = Slug(name);
                var (counts, predictions) = DemoEvaluation.Evaluate(tuned, data.EvalDir, Path.Combine(evalDir, folder), o, "evaluate " + name);
                arms.Add(DemoEvaluation.Arm(name, strategy, k, o.FineTune.Steps, counts));
                shown[name] = predictions;
            }
            return 0;
        });

        var reportPath = Path.Combine(o.OutDir, "report.html");
        var reportStage = Stopwatch.StartNew();
        var input = new DemoReportInput(o, ClassNames, arms, atA!, stages, data, queues, annotated, shown, headline.OutDir);
        DemoReport.Write(input, reportPath, reportStage);
        return new DemoResult
        {
            Options = o,
            ClassNames = ClassNames,
            Arms = arms,
            BaselineAtCentreA = atA!,
            Stages = [.. stages, new DemoStage("write report", reportStage.Elapsed.TotalSeconds, double.NaN)],
            ReportPath = reportPath,
            EvalDir = evalDir,
            EvalReferenceDir = Path.Combine(data.EvalDir, "masks"),
        };
    }

    /// <summary>The folder name of an arm's predictions: lower case, letters, digits and dashes.</summary>
    public static string Slug(string name) =>
        new string([.. name.ToLowerInvariant().Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '-')]).Replace("--", "-");

    private static TrainingOptions TrainingOptions(DemoOptions o, string trainDir) => new()
    {
        DataDir = trainDir,
        ClassNames = ClassNames,
        SpacingUm = o.SpacingUm,
        PatchSize = o.PatchSize,
        Architecture = o.Architecture,
        Members = o.Members,
        Steps = o.Steps,
        BatchSize = o.BatchSize,
        LearningRate = o.LearningRate,
        Seed = o.Seed,
        Threads = o.Threads,
        Augmentation = o.Augmentation,
    };

    private static T Timed<T>(List<DemoStage> stages, string name, Func<T> work)
    {
        var (result, wall, cpu) = StageTimer.Measure(work);
        stages.Add(new DemoStage(name, wall, cpu));
        return result;
    }
}
