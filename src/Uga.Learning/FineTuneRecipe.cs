using System.Globalization;
using Uga.Imaging;

using Uga.Inference;

namespace Uga.Learning;

/// <summary>
/// How a model learns from a pathologist's patches: the one recipe the workspace, the demo and `uga simulate` use,
/// so the evidence in docs/results is about the recipe the human loop runs. Every member continues from the
/// previous version on the source data plus the annotated patches, which together get <see cref="PatchShare"/> of
/// the draws (by area) however few they are — with plain weights ten small patches among a hundred source images
/// would hardly be seen. The defaults are those of the committed results (docs/results): 40 steps at 3e-4 without
/// warm-up, patches half of the draws, stain augmentation on.
/// </summary>
public sealed record FineTuneRecipe
{
    public int Steps { get; init; } = 40;
    public double LearningRate { get; init; } = 3e-4;

    /// <summary>Linear warm-up steps; 0 = start at the full rate (the weights are already trained).</summary>
    public int WarmupSteps { get; init; }

    /// <summary>Share of the training draws (by area) that go to the annotated patches, in (0, 1).</summary>
    public double PatchShare { get; init; } = 0.5;

    public int BatchSize { get; init; } = 8;
    public AugmentationOptions Augmentation { get; init; } = new();

    /// <summary>Which weights may change: all (the committed results) or surgical (first block and norms only).</summary>
    public TrainableParameters Trainable { get; init; } = TrainableParameters.All;

    /// <summary>
    /// Multiplies the augmentation's stain jitter while fine-tuning (1 = as in training; 3 = the strong H&amp;E colour
    /// augmentation the anchors use against a new lab's stain). Scale jitter is capped below 1.
    /// </summary>
    public double StainJitter { get; init; } = 1;

    public void Validate()
    {
        if (Steps < 1) throw new InvalidInputException(null, $"fine-tuning steps must be positive, got {Steps}");
        if (!(LearningRate > 0 && double.IsFinite(LearningRate))) throw new InvalidInputException(null, $"fine-tuning learning rate must be positive, got {LearningRate}");
        if (WarmupSteps < 0) throw new InvalidInputException(null, $"warm-up steps must be >= 0, got {WarmupSteps}");
        if (PatchShare is <= 0 or >= 1 || double.IsNaN(PatchShare)) throw new InvalidInputException(null, $"patch share must be in (0, 1), got {PatchShare}");
        if (BatchSize < 1) throw new InvalidInputException(null, $"batch size must be at least 1, got {BatchSize}");
        if (StainJitter is < 0 or > 10 || double.IsNaN(StainJitter)) throw new InvalidInputException(null, $"stain jitter multiplier must be in [0, 10], got {StainJitter}");
        Augmentation.Validate();
    }

    /// <summary>One line for reports and lineage.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Steps} steps, lr {LearningRate:0.#####}, warm-up {WarmupSteps}, patches {PatchShare:P0} of draws, batch {BatchSize}, augmentation {(Augmentation == AugmentationOptions.None ? "off" : "on")}")
        + (StainJitter == 1 ? "" : string.Create(CultureInfo.InvariantCulture, $", stain jitter x{StainJitter:0.##}"))
        + (Trainable == TrainableParameters.All ? "" : ", surgical (first block and norms)");

    /// <summary>The augmentation fine-tuning runs with: <see cref="Augmentation"/> with its stain jitter scaled by <see cref="StainJitter"/>.</summary>
    public AugmentationOptions FineTuneAugmentation => StainJitter == 1 ? Augmentation : Augmentation with
    {
        StainScale = Math.Min(0.9, Augmentation.StainScale * StainJitter),
        StainShift = Math.Min(1, Augmentation.StainShift * StainJitter),
    };

    /// <summary>
    /// Fine-tunes every member of <paramref name="start"/> on <paramref name="source"/> (its dataset folder or in-memory
    /// samples; seed and threads) plus <paramref name="patches"/>. With no patches it is the K = 0 control: the same
    /// training on the source alone.
    /// </summary>
    public Ensemble Run(Ensemble start, TrainingOptions source, IReadOnlyList<SegmentationSample> patches,
        IProgress<WorkProgress>? progress = null, CancellationToken cancel = default)
    {
        Validate();
        var options = source with
        {
            ExtraSamples = [.. source.ExtraSamples, .. Weighted(patches, SourceArea(source, start.Manifest.SpacingUm))],
            Steps = Steps,
            LearningRate = LearningRate,
            WarmupSteps = WarmupSteps,
            BatchSize = BatchSize,
            Augmentation = FineTuneAugmentation,
            Trainable = Trainable,
        };
        return EnsembleTrainer.FineTune(start, options, progress, cancel);
    }

    /// <summary>
    /// Training options for a new ensemble from scratch on the source plus the patches (same share), with the
    /// trainer's own schedule over <paramref name="steps"/>: the recipe's rate is for continuing a trained model.
    /// </summary>
    public TrainingOptions Scratch(TrainingOptions source, IReadOnlyList<SegmentationSample> patches, int steps, double spacingUm) => source with
    {
        ExtraSamples = [.. source.ExtraSamples, .. Weighted(patches, SourceArea(source, spacingUm))],
        Steps = steps,
        BatchSize = BatchSize,
        Augmentation = Augmentation,
    };

    // Pixels the source contributes at the model's spacing; a dataset folder is measured from its image headers.
    private static double SourceArea(TrainingOptions source, double modelSpacingUm)
    {
        double area = source.ExtraSamples.Sum(s => (double)s.Labels.PixelCount);
        if (source.DataDir is null) return area;
        var cases = SegmentationDataset.ListCases(source.DataDir, new DatasetOptions { Where = source.Where, DataSpacingUm = source.DataSpacingUm });
        foreach (var c in cases)
        {
            var (w, h) = ImageFile.ReadSize(c.ImagePath);
            double f = c.SpacingUm / modelSpacingUm;
            area += w * f * h * f;
        }
        return area;
    }

    /// <summary>The patches with the weight that gives them <see cref="PatchShare"/> of the draws next to <paramref name="sourceArea"/> pixels.</summary>
    public IReadOnlyList<SegmentationSample> Weighted(IReadOnlyList<SegmentationSample> patches, double sourceArea)
    {
        if (patches.Count == 0) return [];
        double patchArea = patches.Sum(p => (double)p.Labels.PixelCount);
        double weight = sourceArea <= 0 ? 1 : PatchShare / (1 - PatchShare) * sourceArea / patchArea;
        return [.. patches.Select(p => p with { Weight = weight })];
    }
}
