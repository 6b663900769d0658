using System.Globalization;
using System.Text;
using Uga.Imaging;
using Uga.Ranking;

namespace Uga.Experiments.Simulation;

/// <summary>Whether a strategy's chosen patches are where the baseline was wrong.</summary>
/// <param name="BaselineDiceOnChosen">Mean foreground Dice of the baseline inside the chosen patches (pooled).</param>
/// <param name="ChosenErrorFraction">Mean fraction of baseline-error pixels in a chosen patch.</param>
/// <param name="PoolErrorFraction">The same over every pool candidate: what random picking gets on average.</param>
/// <param name="WorstFound">Share of the pool's N worst patches (N = patches chosen) that were chosen.</param>
/// <param name="Spearman">Rank correlation of the strategy's scores with the candidates' error pixel counts.</param>
/// <param name="Slides">Distinct pool images/slides the chosen patches come from.</param>
public sealed record ChoiceQuality(
    double BaselineDiceOnChosen, double ChosenErrorFraction, double PoolErrorFraction, double WorstFound, double Spearman, int Slides);

/// <summary>
/// One evaluated model of one replicate (seed × fold): the baseline, the K = 0 control (fine-tuned on the source
/// only) or a strategy with K annotated patches. Dice is pooled over the fold's evaluation items.
/// </summary>
public sealed record SimulationRow(
    int Fold, int Seed, string Arm, string? Strategy, int K, int Patches, double[] Dice, double MeanDice,
    ChoiceQuality? Choice, double Seconds)
{
    public const string BaselineArm = "baseline";
    public const string ControlArm = "control";

    /// <summary>Arms after label-free BatchNorm re-estimation: "adapt" (the baseline), "adapt+control", "adapt+STRATEGY".</summary>
    public const string AdaptPrefix = "adapt+";
    public const string AdaptArm = "adapt";
}

/// <summary>Wall and process CPU seconds summed over every time a stage ran.</summary>
public sealed record SimulationStage(string Name, double WallSeconds, double CpuSeconds, int Runs);

/// <summary>What one fold held: pool and evaluation sizes and the number of candidate patches.</summary>
public sealed record FoldSummary(int Fold, int PoolItems, int EvaluationItems, int Candidates, IReadOnlyList<string> EvaluationGroups);

public sealed record SimulationResult
{
    public required SimulationOptions Options { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }
    /// <summary>What K counted in this run (resolved from the target kind when not given).</summary>
    public required KMode KMode { get; init; }

    public string KModeName => KModes.Name(KMode);
    public required int SourceImages { get; init; }
    public required int TargetItems { get; init; }
    public required IReadOnlyList<FoldSummary> Folds { get; init; }
    public required IReadOnlyList<SimulationRow> Rows { get; init; }
    public required IReadOnlyList<SimulationStage> Stages { get; init; }
    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>Target class pixel fractions (of all labelled pixels), to show how rare each class is.</summary>
    public required double[] TargetClassFractions { get; init; }

    public double TotalSeconds => Stages.Sum(s => s.WallSeconds);
}

/// <summary>results.csv: one row per evaluated model, invariant culture, NaN written as empty.</summary>
public static class SimulationCsv
{
    public static string Format(SimulationResult result)
    {
        var sb = new StringBuilder();
        var header = new List<string> { "fold", "seed", "arm", "strategy", "k", "k_mode", "patches" };
        header.AddRange(result.ClassNames.Select(n => "dice_" + n));
        header.AddRange(["mean_dice", "baseline_dice_on_chosen", "chosen_error_fraction", "pool_error_fraction",
            "worst_found", "spearman", "slides", "seconds"]);
        sb.AppendLine(string.Join(',', header));
        foreach (var r in result.Rows)
        {
            var cells = new List<string>
            {
                I(r.Fold), I(r.Seed), r.Arm, r.Strategy ?? "", I(r.K), result.KModeName, I(r.Patches),
            };
            cells.AddRange(r.Dice.Select(F));
            cells.Add(F(r.MeanDice));
            var c = r.Choice;
            cells.AddRange(c is null ? ["", "", "", "", "", ""]
                : [F(c.BaselineDiceOnChosen), F(c.ChosenErrorFraction), F(c.PoolErrorFraction), F(c.WorstFound), F(c.Spearman), I(c.Slides)]);
            cells.Add(r.Seconds.ToString("0.0", CultureInfo.InvariantCulture));
            sb.AppendLine(string.Join(',', cells));
        }
        return sb.ToString();
    }

    public static void Write(SimulationResult result, string path) => AtomicFile.WriteAllText(path, Format(result));

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static string F(double v) => double.IsFinite(v) ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "";
}
