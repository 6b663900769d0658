using Uga.Experiments.Simulation;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Ranking;

namespace Uga.Experiments.Tests.Simulation;

/// <summary>
/// Tests run alone: torch's thread count is process-wide, and another test class predicting at the same time with
/// another count changes float summation order, so bit-for-bit determinism can only be checked without neighbours.
/// </summary>
[CollectionDefinition(nameof(TorchSerial), DisableParallelization = true)]
public sealed class TorchSerial;

/// <summary>`--preset quick` end to end on a small slice of real GlaS data, and the inputs it must refuse early.</summary>
[Collection(nameof(TorchSerial))]
public class SimulationRunTests
{
    // Four training images (two patients each grade) and eight testA images of three patients.
    private static readonly string[] Source = ["train_1", "train_2", "train_4", "train_5"];
    private static readonly string[] Target = ["testA_1", "testA_3", "testA_7", "testA_10", "testA_2", "testA_12", "testA_5", "testA_8"];

    private static string Slice(TempDir dir, string name, string[] stems)
    {
        var glas = SharedData.Require("glas", "cases.csv");
        var root = Path.GetDirectoryName(glas)!;
        var table = CasesTable.Read(glas);
        var outDir = Path.Combine(dir.Path, name);
        Directory.CreateDirectory(Path.Combine(outDir, "images"));
        Directory.CreateDirectory(Path.Combine(outDir, "masks"));
        var lines = new List<string> { "case,split,patient,spacing_um" };
        foreach (var s in stems)
        {
            File.Copy(Path.Combine(root, "images", s + ".jpg"), Path.Combine(outDir, "images", s + ".jpg"));
            File.Copy(Path.Combine(root, "masks", s + ".png"), Path.Combine(outDir, "masks", s + ".png"));
            lines.Add($"{s},{table.Value(s, "split")},{table.Value(s, "patient")},0.5");
        }
        File.WriteAllLines(Path.Combine(outDir, "cases.csv"), lines);
        return outDir;
    }

    private static SimulationOptions Quick(TempDir dir)
    {
        var quick = SimulationOptions.Quick(new SimulationOptions
        {
            SourceDir = Slice(dir, "source", Source),
            TargetDir = Slice(dir, "target", Target),
            GroupBy = "patient",
            ClassNames = ["background", "benign", "malignant"],
            OutDir = Path.Combine(dir.Path, "report"),
        });
        return quick with { Seeds = [1], Strategies = ["uncertainty-sum", "random"], Steps = 6, FineTune = quick.FineTune with { Steps = 2 } };
    }

    [Fact]
    public void QuickPresetRunsTheWholeExperimentOnRealData()
    {
        using var dir = new TempDir();
        var o = Quick(dir);
        var result = SimulationRunner.Run(o);
        var partial = Path.Combine(o.OutDir, SimulationRunner.PartialResultsFile);
        Assert.Equal(result.Rows.Count + 1, File.ReadAllLines(partial).Length); // kept in case the run dies
        SimulationReport.Write(result, o.OutDir);
        Assert.False(File.Exists(partial));

        // One seed × two folds × (baseline, control, 2 strategies × 2 K).
        Assert.Equal(2 * (2 + (2 * 2)), result.Rows.Count);
        Assert.All(result.Rows, r => Assert.InRange(r.MeanDice, 0, 1));
        foreach (var r in result.Rows.Where(r => r.Strategy is not null))
        {
            Assert.Equal(r.K, r.Patches);
            var fold = result.Folds[r.Fold];
            Assert.InRange(r.Choice!.Slides, 1, fold.PoolItems);
            Assert.InRange(r.Choice.WorstFound, 0, 1);
        }
        // Patients never straddle pool and evaluation.
        Assert.All(result.Folds, f => Assert.Equal(8, f.PoolItems + f.EvaluationItems));
        Assert.Equal("total", result.KModeName);
        var csv = File.ReadAllLines(Path.Combine(o.OutDir, "results.csv"));
        Assert.Equal(result.Rows.Count + 1, csv.Length);
        Assert.StartsWith("fold,seed,arm,strategy,k,k_mode,patches,dice_background,dice_benign,dice_malignant,mean_dice", csv[0]);
        var report = File.ReadAllText(Path.Combine(o.OutDir, "report.md"));
        Assert.Contains("| uncertainty-sum | 4 |", report);
        Assert.Contains("![Dice against K](dice-vs-k.png)", report);
        Assert.True(new FileInfo(Path.Combine(o.OutDir, "dice-vs-k.png")).Length > 1000);
        Assert.True(File.Exists(Path.Combine(o.OutDir, "models", "seed-1", "manifest.json")));
    }

    [Fact]
    public void SameInputsAndSeedGiveTheSameNumbers()
    {
        using var dir = new TempDir();
        var o = Quick(dir) with { Ks = [3], Strategies = ["uga-paper"], Folds = 2 };
        var first = SimulationRunner.Run(o with { OutDir = Path.Combine(dir.Path, "a") });
        var second = SimulationRunner.Run(o with { OutDir = Path.Combine(dir.Path, "b") });
        var a = SimulationCsv.Format(first).Split('\n').Select(DropSeconds);
        var b = SimulationCsv.Format(second).Split('\n').Select(DropSeconds);
        Assert.Equal(a, b);
    }

    // The last column is the arm's wall time, the one value that may differ between runs.
    private static string DropSeconds(string line) => line.Contains(',') ? line[..line.LastIndexOf(',')] : line;

    [Fact]
    public void EveryNewArmRunsEndToEndAndAResumedRunRecomputesOnlyTheMissingReplicate()
    {
        using var dir = new TempDir();
        var o = Quick(dir) with
        {
            Ks = [3],
            Strategies = ["random", "foreground-random", "class-stratified", "impurity", "oracle", "uncertainty-sum", "clue", "typical", "density-ratio"],
            Adapt = true,
        };
        var first = SimulationRunner.Run(o);
        // Per fold: baseline, adapt, control, adapt+control, then each strategy and its adapt+ arm.
        Assert.Equal(2 * (4 + (2 * 9)), first.Rows.Count);
        Assert.All(first.Rows, r => Assert.InRange(r.MeanDice, 0, 1));
        Assert.All(first.Rows.Where(r => r.K > 0), r => Assert.Equal(3, r.Patches));
        // The oracle picks where the baseline was wrong: at least as much error as the pool's average.
        Assert.All(first.Rows.Where(r => r.Arm == "oracle"), r => Assert.True(r.Choice!.ChosenErrorFraction >= r.Choice.PoolErrorFraction));
        Assert.Contains(first.Rows, r => r.Arm == "adapt+class-stratified" && r.Strategy == "class-stratified");

        // A run that died after fold 0: only fold 1 is run again, and it gives the same numbers.
        var partial = Path.Combine(o.OutDir, SimulationRunner.PartialResultsFile);
        var lines = File.ReadAllLines(partial);
        File.WriteAllLines(partial, [lines[0], .. lines.Skip(1).Where(l => l.StartsWith("0,", StringComparison.Ordinal))]);
        var resumed = SimulationRunner.Run(o with { Resume = true });
        Assert.Equal(first.Rows.Count, resumed.Rows.Count);
        // Fold 0 was read back (its times as the file rounded them), fold 1 fine-tuned again: control + 9 arms.
        Assert.Equal(10, resumed.Stages.Single(st => st.Name == "fine-tune").Runs);
        Assert.Equal(first.Rows.Where(r => r.Fold == 0).Select(r => Math.Round(r.Seconds, 1)), resumed.Rows.Where(r => r.Fold == 0).Select(r => r.Seconds));
        Assert.Equal(SimulationCsv.Format(first).Split('\n').Select(DropSeconds), SimulationCsv.Format(resumed).Split('\n').Select(DropSeconds));

        SimulationReport.Write(resumed, o.OutDir);
        var report = File.ReadAllText(Path.Combine(o.OutDir, "report.md"));
        Assert.Contains("95 % CI vs random", report);
        Assert.Contains("Convergence check", report);
    }

    [Fact]
    public void KLargerThanThePoolFailsBeforeAnyTraining()
    {
        using var dir = new TempDir();
        var o = Quick(dir) with { Ks = [5000] };
        var e = Assert.Throws<InvalidInputException>(() => SimulationRunner.Run(o));
        Assert.Contains("K=5000 (total) needs 5000 patches but the pool has only", e.Message);
        Assert.False(Directory.Exists(Path.Combine(o.OutDir, "models")));
    }

    [Fact]
    public void PerSlideKCountsEveryPoolImage()
    {
        using var dir = new TempDir();
        var o = Quick(dir) with { KMode = KMode.PerSlide, Ks = [400] };
        var e = Assert.Throws<InvalidInputException>(() => SimulationRunner.Run(o));
        Assert.Contains("(per-slide) needs", e.Message);
    }

    [Fact]
    public void AnEmptyTargetSelectionNamesTheFolder()
    {
        using var dir = new TempDir();
        var o = Quick(dir) with { TargetWhere = [new CaseFilter("split", "testB")] };
        var e = Assert.Throws<InvalidInputException>(() => SimulationRunner.Run(o));
        Assert.Contains("empty dataset", e.Message);
        Assert.Contains("target", e.Message);
    }

    [Fact]
    public void UnknownGroupColumnIsRefused()
    {
        using var dir = new TempDir();
        var o = Quick(dir) with { GroupBy = "hospital" };
        var e = Assert.Throws<InvalidInputException>(() => SimulationRunner.Run(o));
        Assert.Contains("no column 'hospital' to group by", e.Message);
    }
}
