using Uga.Experiments.Simulation;
using Uga.Ranking;

namespace Uga.Experiments.Tests.Simulation;

public class SimulationSummaryTests
{
    private static SimulationRow Row(int seed, string arm, string? strategy, int k, double dice) =>
        new(0, seed, arm, strategy, k, k, [0.9, dice], dice, null, 1);

    private static SimulationResult Result(params SimulationRow[] rows) => new()
    {
        Options = new SimulationOptions { SourceDir = "s", TargetDir = "t", OutDir = "o" },
        ClassNames = ["background", "tumour"],
        KMode = KMode.Total,
        SourceImages = 1,
        TargetItems = 2,
        Folds = [],
        Rows = rows,
        Stages = [],
        Warnings = [],
        TargetClassFractions = [0.5, 0.5],
    };

    [Fact]
    public void BootstrapIntervalExcludesZeroOnlyForAConsistentGain()
    {
        var consistent = Interval.BootstrapMean([0.01, 0.02, 0.015, 0.03, 0.012, 0.018, 0.025, 0.01, 0.02, 0.022]);
        Assert.True(consistent.ExcludesZero);
        Assert.InRange(consistent.Lo, 0.01, 0.0175);
        Assert.InRange(consistent.Hi, 0.0175, 0.03);
        var noise = Interval.BootstrapMean([0.05, -0.04, 0.03, -0.05, 0.02, -0.01, 0.04, -0.03, 0.0, -0.02]);
        Assert.False(noise.ExcludesZero);
        Assert.True(double.IsNaN(Interval.BootstrapMean([0.1]).Lo)); // one replicate: no interval
    }

    [Fact]
    public void AdaptArmsArePairedWithPlainRandomPatches()
    {
        var summary = SimulationSummary.Summarise(Result(
            Row(1, "random", "random", 5, 0.55), Row(1, "adapt+random", "random", 5, 0.60), Row(1, "adapt", null, 0, 0.50),
            Row(2, "random", "random", 5, 0.86), Row(2, "adapt+random", "random", 5, 0.88), Row(2, "adapt", null, 0, 0.70)));
        var arm = summary.Single(a => a.Arm == "adapt+random");
        Assert.Equal(0.035, arm.GainOverRandom.Mean, 6);
        Assert.Equal(2, arm.WinsOverRandom);
        Assert.Equal(0, summary.Single(a => a.Arm == "adapt").GainOverRandom.N);
    }

    [Fact]
    public void PartialResultsReadBackAsWritten()
    {
        using var dir = new Uga.Testing.TempDir();
        var rows = new[]
        {
            new SimulationRow(1, 3, "impurity", "impurity", 5, 5, [0.9, 0.61], 0.61, new ChoiceQuality(0.5, 0.2, 0.1, 0.4, double.NaN, 2), 12.3),
            Row(3, "baseline", null, 0, 0.4),
        };
        var path = Path.Combine(dir.Path, "partial.csv");
        SimulationCsv.Write(Result(rows), path);
        var back = SimulationResume.Read(path, 2);
        Assert.Equal(SimulationCsv.Format(Result(rows)), SimulationCsv.Format(Result([.. back])));
        Assert.Null(back[1].Choice);
        File.WriteAllText(path, "fold,seed\n");
        Assert.Contains("header has 2 columns", Assert.Throws<Uga.Imaging.InvalidInputException>(() => SimulationResume.Read(path, 2)).Message);
    }

    [Fact]
    public void GainsArePairedPerReplicate()
    {
        // Seed 2 is a much better replicate overall; pairing removes that, unpaired means would not.
        var summary = SimulationSummary.Summarise(Result(
            Row(1, "baseline", null, 0, 0.40), Row(1, "control", null, 0, 0.50), Row(1, "uncertainty-sum", "uncertainty-sum", 5, 0.60), Row(1, "random", "random", 5, 0.55),
            Row(2, "baseline", null, 0, 0.70), Row(2, "control", null, 0, 0.80), Row(2, "uncertainty-sum", "uncertainty-sum", 5, 0.84), Row(2, "random", "random", 5, 0.86)));

        var arm = summary.Single(a => a.Arm == "uncertainty-sum");
        Assert.Equal(0.72, arm.Dice.Mean, 6);
        Assert.Equal(0.07, arm.GainOverControl.Mean, 6);       // (0.10 + 0.04) / 2
        Assert.Equal(0.17, arm.GainOverBaseline.Mean, 6);      // (0.20 + 0.14) / 2
        Assert.Equal(0.015, arm.GainOverRandom.Mean, 6);       // (0.05 − 0.02) / 2
        Assert.Equal(1, arm.WinsOverRandom);
        Assert.Equal(Math.Sqrt(0.0018), arm.GainOverControl.Sd, 6);
        Assert.Equal(0, summary.Single(a => a.Arm == "random").GainOverRandom.N);
        Assert.Equal(0, summary.Single(a => a.Arm == "baseline").GainOverControl.N);
    }

    [Fact]
    public void SpreadSkipsUndefinedValues()
    {
        var s = Spread.Of([1.0, double.NaN, 3.0]);
        Assert.Equal(2, s.N);
        Assert.Equal(2.0, s.Mean);
        Assert.Equal(Math.Sqrt(2), s.Sd, 9);
    }
}
