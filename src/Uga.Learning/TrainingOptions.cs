using Uga.Imaging;

using Uga.Inference;

namespace Uga.Learning;

/// <summary>
/// What to train on and how. Data comes from a dataset folder (<see cref="DataDir"/>), from in-memory
/// <see cref="ExtraSamples"/> (e.g. patches a pathologist just annotated, each with a sampling weight), or both.
/// The architecture (spacing, patch, <see cref="Architecture"/>, classes) is ignored when fine-tuning:
/// the existing model's manifest decides them.
/// </summary>
public sealed record TrainingOptions
{
    public string? DataDir { get; init; }
    public IReadOnlyList<CaseFilter> Where { get; init; } = [];

    /// <summary>µm/px of the dataset images; null: the spacing_um column of cases.csv.</summary>
    public double? DataSpacingUm { get; init; }

    /// <summary>Extra samples already at the model's spacing; <see cref="SegmentationSample.Weight"/> is relative to a dataset image's 1.</summary>
    public IReadOnlyList<SegmentationSample> ExtraSamples { get; init; } = [];

    /// <summary>Class names, background first; null: "background", "class1", ... inferred from the masks.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    public double SpacingUm { get; init; } = 0.5;
    public int PatchSize { get; init; } = 256;

    /// <summary>The U-Net's shape (its class count comes from <see cref="ClassNames"/> or the masks).</summary>
    public UNetOptions Architecture { get; init; } = DefaultArchitecture;

    /// <summary>Depth 4, 16 base channels, batch norm, dropout 0.1.</summary>
    public static UNetOptions DefaultArchitecture { get; } = new() { Dropout = 0.1 };

    public int Members { get; init; } = 5;
    public int Steps { get; init; } = 2000;
    public int BatchSize { get; init; } = 8;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>Linear warm-up steps before the cosine decay; null: 5% of the steps.</summary>
    public int? WarmupSteps { get; init; }

    /// <summary>The cosine schedule ends at this fraction of <see cref="LearningRate"/>.</summary>
    public double FinalLearningRateFraction { get; init; } = 0.01;

    /// <summary>Member m uses seed Seed + m for both torch and patch sampling.</summary>
    public int Seed { get; init; } = 1;

    public bool ClassBalanced { get; init; } = true;
    public AugmentationOptions Augmentation { get; init; } = new();

    /// <summary>Which weights training may change (fine-tuning recipes; a from-scratch training needs all).</summary>
    public TrainableParameters Trainable { get; init; } = TrainableParameters.All;

    /// <summary>Torch intra-op threads; null: <see cref="DefaultThreads"/>. Results are reproducible only with the same count.</summary>
    public int? Threads { get; init; }

    /// <summary>
    /// Half the cores (at least 1). libtorch's OpenMP workers spin at barriers, so on a shared machine a thread per
    /// core collapses: on a busy 2-core box, 20 steps took 4 s with 1 thread and 70 s with 2.
    /// </summary>
    public static int DefaultThreads => Math.Max(1, Environment.ProcessorCount / 2);

    public int EffectiveWarmupSteps => WarmupSteps ?? Math.Max(1, Steps / 20);

    /// <summary>Rejects absurd values with <see cref="InvalidInputException"/>; architecture checks only when <paramref name="architecture"/>.</summary>
    public void Validate(bool architecture = true)
    {
        static void Require(bool ok, string problem)
        {
            if (!ok) throw new InvalidInputException(null, problem);
        }
        Require(DataDir is not null || ExtraSamples.Count > 0, "nothing to train on: give a dataset folder or extra samples");
        Require(Steps > 0, $"steps must be positive, got {Steps}");
        Require(Members >= 1, $"members must be at least 1, got {Members}");
        Require(BatchSize >= 1, $"batch size must be at least 1, got {BatchSize}");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"learning rate must be positive, got {LearningRate}");
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), $"weight decay must be >= 0, got {WeightDecay}");
        Require(WarmupSteps is null || WarmupSteps >= 0, $"warm-up steps must be >= 0, got {WarmupSteps}");
        Require(FinalLearningRateFraction is >= 0 and <= 1, $"final learning-rate fraction must be in [0, 1], got {FinalLearningRateFraction}");
        Require(DataSpacingUm is null || (DataSpacingUm > 0 && double.IsFinite(DataSpacingUm.Value)), $"data spacing must be positive, got {DataSpacingUm}");
        Require(Threads is null || Threads >= 1, $"threads must be at least 1, got {Threads}");
        Augmentation.Validate();
        foreach (var s in ExtraSamples) s.Validate();
        if (!architecture) return;
        Require(SpacingUm > 0 && double.IsFinite(SpacingUm), $"spacing must be positive, got {SpacingUm}");
        int depth = Architecture.Depth;
        Require(depth is >= 1 and <= 8, $"depth must be 1..8, got {depth}");
        Require(PatchSize > 0 && PatchSize % (1 << depth) == 0, $"patch size {PatchSize} must be a positive multiple of 2^depth = {1 << depth}");
        Require(ClassNames is null || ClassNames.Count >= 2, "at least 2 class names are needed (background first)");
        (Architecture with { Classes = ClassNames?.Count ?? 2 }).Validate();
    }
}

/// <summary>Linear warm-up to the base learning rate, then cosine decay to a fraction of it.</summary>
public static class LearningRateSchedule
{
    public static double At(int step, int steps, int warmup, double baseRate, double finalFraction)
    {
        if (step < warmup) return baseRate * (step + 1) / warmup;
        int decaySteps = Math.Max(1, steps - warmup);
        double progress = Math.Min(1.0, (step - warmup) / (double)decaySteps);
        double floor = baseRate * finalFraction;
        return floor + ((baseRate - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}
