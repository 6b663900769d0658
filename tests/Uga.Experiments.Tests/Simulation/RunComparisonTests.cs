using Uga.Experiments.Simulation;
using Uga.Imaging;

namespace Uga.Experiments.Tests.Simulation;

public sealed class RunComparisonTests
{
    private const string Header = "fold,seed,arm,strategy,k,k_mode,patches,dice_background,dice_benign,dice_malignant,mean_dice,baseline_dice_on_chosen,chosen_error_fraction,pool_error_fraction,worst_found,spearman,slides,seconds";

    private static string Row(int fold, int seed, string arm, int k, double dice) =>
        FormattableString.Invariant($"{fold},{seed},{arm},{(k == 0 ? "" : arm)},{k},total,{k},0.9,0.5,0.5,{dice},,,,,,,1.0");

    [Fact]
    public void Two_runs_are_paired_by_seed_and_fold_and_unmatched_replicates_are_counted_not_paired()
    {
        using var dir = new TempDir();
        var a = dir.File("a.csv");
        var b = dir.File("b.csv");
        File.WriteAllLines(a, [Header, Row(0, 1, "control", 0, 0.50), Row(0, 1, "random", 10, 0.60), Row(1, 1, "random", 10, 0.70), Row(0, 2, "random", 10, 0.40)]);
        File.WriteAllLines(b, [Header, Row(1, 1, "random", 10, 0.75), Row(0, 1, "random", 10, 0.58), Row(0, 3, "random", 10, 0.99)]);

        var d = Assert.Single(RunComparison.Compare(RunComparison.Read(a), RunComparison.Read(b)));

        Assert.Equal(("random", 10, 2, 1, 2), (d.Arm, d.K, d.Pairs, d.Wins, d.Unpaired));
        Assert.Equal(((0.75 - 0.70) + (0.58 - 0.60)) / 2, d.Difference.Mean, 12);
        Assert.True(d.Ci.Lo <= d.Difference.Mean && d.Difference.Mean <= d.Ci.Hi);
    }

    [Fact]
    public void A_file_that_is_not_simulate_results_is_named()
    {
        using var dir = new TempDir();
        var bad = dir.File("bad.csv");
        File.WriteAllLines(bad, ["a,b,c", "1,2,3"]);
        Assert.Contains("bad.csv: is not a `uga simulate` results file", Assert.Throws<InvalidInputException>(() => RunComparison.Read(bad)).Message, StringComparison.Ordinal);
        File.WriteAllLines(bad, [Header, Row(0, 1, "random", 10, 0.6), Row(0, 1, "random", 10, 0.7)]);
        var rows = RunComparison.Read(bad);
        Assert.Contains("seed 1 fold 0 twice", Assert.Throws<InvalidInputException>(() => RunComparison.Compare(rows, rows)).Message, StringComparison.Ordinal);
    }
}
