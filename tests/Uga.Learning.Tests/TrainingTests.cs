using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;

namespace Uga.Learning.Tests;

public class TrainingTests
{
    private static TrainingOptions Tiny(string dataDir, int seed = 4) => new()
    {
        DataDir = dataDir,
        DataSpacingUm = 0.5,
        SpacingUm = 0.5,
        PatchSize = 16,
        Architecture = new UNetOptions { Depth = 2, BaseChannels = 4, Normalisation = "batch", Dropout = 0.2 },
        Members = 2,
        Steps = 4,
        BatchSize = 2,
        Seed = seed,
        Threads = 1,
    };

    [Fact]
    public void SameSeedGivesIdenticalWeightsAndDifferentSeedsDiffer()
    {
        using var dir = new TempDir();
        TestData.WriteDiscDataset(dir.Path, 3, size: 32);
        using var a = EnsembleTrainer.Train(Tiny(dir.Path), cancel: TestContext.Current.CancellationToken);
        using var b = EnsembleTrainer.Train(Tiny(dir.Path), cancel: TestContext.Current.CancellationToken);
        using var c = EnsembleTrainer.Train(Tiny(dir.Path, seed: 5), cancel: TestContext.Current.CancellationToken);
        Assert.True(SameWeights(a.Members[0], b.Members[0]));
        Assert.True(SameWeights(a.Members[1], b.Members[1]));
        Assert.False(SameWeights(a.Members[0], a.Members[1]));
        Assert.False(SameWeights(a.Members[0], c.Members[0]));
        Assert.Equal([4, 5], a.Manifest.Training.MemberSeeds);
        Assert.Equal(a.Manifest.Training.FinalLosses, b.Manifest.Training.FinalLosses);
    }

    [Fact]
    public void ReportsProgressPerMemberAndRecordsTheTraining()
    {
        using var dir = new TempDir();
        TestData.WriteDiscDataset(dir.Path, 2, size: 32);
        var reports = new List<WorkProgress>();
        using var model = EnsembleTrainer.Train(Tiny(dir.Path), new SyncProgress(reports.Add), TestContext.Current.CancellationToken);
        Assert.Equal(8, reports.Count);
        Assert.Equal(new WorkProgress("train member 2/2", 4, 4), reports[^1] with { Detail = null });
        Assert.StartsWith("loss ", reports[0].Detail);
        Assert.Equal(["background", "class1"], model.Manifest.ClassNames);
        Assert.Equal(2, model.Manifest.Training.ImageCount);
        Assert.All(model.Manifest.Training.FinalLosses, l => Assert.True(l > 0 && double.IsFinite(l)));
    }

    [Fact]
    public void AbsurdParametersAreInvalidInput()
    {
        using var dir = new TempDir();
        var ok = Tiny(dir.Path);
        foreach (var bad in new[]
        {
            ok with { Steps = 0 }, ok with { Members = 0 }, ok with { PatchSize = 18 }, ok with { SpacingUm = 0 },
            ok with { SpacingUm = -1 }, ok with { BatchSize = 0 }, ok with { LearningRate = 0 }, ok with { DataSpacingUm = 0 },
            ok with { DataDir = null },
        })
            Assert.Throws<InvalidInputException>(() => EnsembleTrainer.Train(bad, cancel: TestContext.Current.CancellationToken));
    }

    [Fact]
    public void FineTuningStartsFromTheModelAndUsesExtraSamples()
    {
        using var dir = new TempDir();
        TestData.WriteDiscDataset(dir.Path, 2, size: 32);
        using var start = EnsembleTrainer.Train(Tiny(dir.Path), cancel: TestContext.Current.CancellationToken);
        var before = start.Members[0].state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var (image, labels) = TestData.Discs(24, new Random(9));
        var extra = new SegmentationSample("annotated-patch-1", image, labels, Weight: 3);
        var options = Tiny(dir.Path) with { DataDir = null, ExtraSamples = [extra], Steps = 2 };
        using var tuned = EnsembleTrainer.FineTune(start, options, cancel: TestContext.Current.CancellationToken);

        Assert.True(tuned.Manifest.Training.WarmStart);
        Assert.Equal(1, tuned.Manifest.Training.ExtraSampleCount);
        Assert.Equal(start.Manifest.Training, tuned.Manifest.Training.Previous);
        Assert.Equal(start.Manifest.InputMean, tuned.Manifest.InputMean);
        // The starting model is untouched; the tuned one moved away from it, but not far (warm start, 2 steps).
        foreach (var (key, value) in start.Members[0].state_dict())
            Assert.True(value.eq(before[key]).all().item<bool>(), key);
        Assert.False(SameWeights(start.Members[0], tuned.Members[0]));

        var wrongLabels = new LabelMap(24, 24);
        wrongLabels[0, 0] = 3;
        Assert.Throws<InvalidInputException>(() => EnsembleTrainer.FineTune(start,
            options with { ExtraSamples = [extra with { Labels = wrongLabels }] }, cancel: TestContext.Current.CancellationToken));
    }

    // Surgical fine-tuning changes the first encoder block and the norms' scale and shift, and no other weight.
    [Fact]
    public void SurgicalFineTuningChangesOnlyTheFirstBlockAndTheNorms()
    {
        using var dir = new TempDir();
        TestData.WriteDiscDataset(dir.Path, 2, size: 32);
        using var start = EnsembleTrainer.Train(Tiny(dir.Path), cancel: TestContext.Current.CancellationToken);
        var recipe = new FineTuneRecipe { Steps = 3, BatchSize = 2, Trainable = TrainableParameters.Surgical, StainJitter = 3 };
        using var tuned = recipe.Run(start, Tiny(dir.Path), [], cancel: TestContext.Current.CancellationToken);

        var trainable = TrainableSelection.Names(start.Members[0], TrainableParameters.Surgical).ToHashSet();
        var all = start.Members[0].named_parameters().Select(p => p.name).ToList();
        Assert.Contains("encoders.0.0.weight", trainable); // the first convolution
        Assert.Contains(all, n => !trainable.Contains(n) && n.StartsWith("encoders.1.", StringComparison.Ordinal));
        Assert.Contains(all, n => trainable.Contains(n) && n.StartsWith("decoders.", StringComparison.Ordinal)); // a decoder norm
        var before = start.Members[0].named_parameters().ToDictionary(p => p.name, p => p.parameter);
        int moved = 0;
        foreach (var (name, value) in tuned.Members[0].named_parameters())
        {
            bool same = value.eq(before[name]).all().item<bool>();
            if (!trainable.Contains(name)) Assert.True(same, $"{name} is frozen but changed");
            else if (!same) moved++;
        }
        Assert.True(moved > trainable.Count / 2, $"only {moved} of {trainable.Count} trainable weights moved");
        Assert.All(tuned.Members[0].parameters(), p => Assert.True(p.requires_grad)); // nothing stays frozen afterwards
        Assert.Contains("surgical", recipe.Describe(), StringComparison.Ordinal);
        Assert.Equal(0.3, recipe.FineTuneAugmentation.StainScale, 10);
        Assert.Equal(TrainableSelection.Names(start.Members[0], TrainableParameters.All), all);
    }

    private static bool SameWeights(UNet a, UNet b)
    {
        var sa = a.state_dict();
        var sb = b.state_dict();
        return sa.Keys.All(k => sa[k].eq(sb[k]).all().item<bool>());
    }

    internal sealed class SyncProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }
}
