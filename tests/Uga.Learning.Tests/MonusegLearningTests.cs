using System.Diagnostics;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;

namespace Uga.Learning.Tests;

/// <summary>
/// Learning on real data: a small ensemble trained on 6 MoNuSeg FFPE images must segment nuclei on 3 held-out
/// images far better than the trivial predictors (all background: nuclei Dice 0; all nucleus: 2p/(1+p)).
/// </summary>
public class MonusegLearningTests(ITestOutputHelper output)
{
    private static readonly string[] Train =
    [
        "TCGA-A7-A13E-01Z-00-DX1", "TCGA-B0-5711-01Z-00-DX1", "TCGA-CH-5767-01Z-00-DX1",
        "TCGA-21-5784-01Z-00-DX1", "TCGA-HE-7128-01Z-00-DX1", "TCGA-G9-6336-01Z-00-DX1",
    ];

    private static readonly string[] HeldOut = ["TCGA-AR-A1AK-01Z-00-DX1", "TCGA-B0-5698-01Z-00-DX1", "TCGA-G9-6362-01Z-00-DX1"];

    /// <summary>Measured 0.7x on a busy 2-core machine (see the report); all-nucleus gives about 0.32.</summary>
    private const double MinimumDice = 0.62;

    private static int Env(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var v) ? v : fallback;

    [Fact]
    public void SmallEnsembleLearnsNucleiOnHeldOutImages()
    {
        var source = SharedData.Require("monuseg");
        using var dir = new TempDir();
        LinkSubset(source, dir.Path, Train);
        // Threads: the default (half the cores); on a busy machine more threads are much slower, not faster.
        var options = new TrainingOptions
        {
            DataDir = dir.Path,
            ClassNames = ["background", "nucleus"],
            SpacingUm = 0.5,
            PatchSize = 128,
            Architecture = TrainingOptions.DefaultArchitecture with { Depth = 3, BaseChannels = Env("UGA_T_BASE", 8) },
            Members = Env("UGA_T_MEMBERS", 2),
            Steps = Env("UGA_T_STEPS", 150),
            BatchSize = Env("UGA_T_BATCH", 4),
            LearningRate = 3e-3,
            Seed = 11,
        };
        var clock = Stopwatch.StartNew();
        using var ensemble = EnsembleTrainer.Train(options, cancel: TestContext.Current.CancellationToken);
        var trainSeconds = clock.Elapsed.TotalSeconds;

        using var heldOut = new TempDir();
        LinkSubset(source, heldOut.Path, HeldOut);
        var test = SegmentationDataset.Load(heldOut.Path, new DatasetOptions { TargetSpacingUm = 0.5, ClassCount = 2 });
        Assert.Equal(HeldOut.Length, test.Count);
        var pooled = new ClassCounts(2);
        var allForeground = new ClassCounts(2);
        foreach (var sample in test)
        {
            var counts = SegmentationMetrics.Count(TestData.PredictWhole(ensemble, sample.Image), sample.Labels, 2);
            output.WriteLine($"{sample.Name}: nuclei Dice {counts.Dice(1):F3}");
            pooled.Add(counts);
            var ones = new LabelMap(sample.Labels.Width, sample.Labels.Height);
            Array.Fill(ones.Data, (byte)1);
            allForeground.Add(SegmentationMetrics.Count(ones, sample.Labels, 2));
        }
        double dice = pooled.Dice(1), trivial = allForeground.Dice(1);
        output.WriteLine($"pooled nuclei Dice {dice:F3}; all-nucleus baseline {trivial:F3}; all-background 0");
        output.WriteLine($"training {trainSeconds:F1} s = {trainSeconds * 1000 / (options.Steps * options.Members):F0} ms/step; final losses {string.Join(", ", ensemble.Manifest.Training.FinalLosses.Select(l => l.ToString("F3")))}");
        double required = Environment.GetEnvironmentVariable("UGA_T_MIN") is { } min ? double.Parse(min, System.Globalization.CultureInfo.InvariantCulture) : MinimumDice;
        Assert.True(dice >= required, $"pooled nuclei Dice {dice:F3} is below {required:F2} (all-nucleus baseline {trivial:F3})");
    }

    private static void LinkSubset(string source, string target, IEnumerable<string> stems)
    {
        Directory.CreateDirectory(Path.Combine(target, "images"));
        Directory.CreateDirectory(Path.Combine(target, "masks"));
        foreach (var stem in stems)
        {
            File.CreateSymbolicLink(Path.Combine(target, "images", stem + ".jpg"), Path.Combine(source, "images", stem + ".jpg"));
            File.CreateSymbolicLink(Path.Combine(target, "masks", stem + ".png"), Path.Combine(source, "masks", stem + ".png"));
        }
        File.WriteAllLines(Path.Combine(target, "cases.csv"), ["case,spacing_um", .. stems.Select(s => s + ",0.25")]);
    }
}
