using System.Globalization;
using Uga.Imaging;
using Uga.Learning;

namespace Uga.Guidance.Workspace;

/// <summary>How to make the next model version.</summary>
public sealed record FineTuneRequest
{
    public int Steps { get; init; } = 500;

    /// <summary>Sampling weight of each imported patch relative to a source image's 1 (oversampling the new labels).</summary>
    public double PatchWeight { get; init; } = 5.0;

    /// <summary>Train a new ensemble with the current version's architecture instead of warm-starting it.</summary>
    public bool FromScratch { get; init; }

    public int BatchSize { get; init; } = 8;
    public int Seed { get; init; } = 1;
    public int? Threads { get; init; }

    /// <summary>Turns off augmentation (tests, reproducible comparisons).</summary>
    public bool NoAugmentation { get; init; }
}

/// <summary>
/// Trains version N+1 from the current version on the source data plus every imported patch of every round, and
/// registers it with its parent and rounds. Earlier versions are never touched: the new model goes to a new folder.
/// </summary>
public static class WorkspaceFineTuner
{
    public static ModelVersion FineTune(LoopWorkspace workspace, FineTuneRequest request,
        IProgress<WorkProgress>? progress = null, CancellationToken cancel = default)
    {
        if (!(request.PatchWeight > 0 && double.IsFinite(request.PatchWeight)))
            throw new InvalidInputException(null, $"patch weight must be positive, got {request.PatchWeight}");
        var parent = workspace.Manifest.Current;
        var (patches, rounds) = workspace.ImportedSamples(request.PatchWeight);
        if (patches.Count == 0)
            throw new InvalidInputException(workspace.ManifestPath, "no imported annotations yet; run `uga annotations import` first");
        var source = workspace.Manifest.Source;
        using var start = Ensemble.Load(workspace.ModelDir(parent));
        var m = start.Manifest;
        var options = new TrainingOptions
        {
            DataDir = source.DataDir,
            Where = source.Where.Select(CaseFilter.Parse).ToArray(),
            DataSpacingUm = source.DataSpacingUm,
            ExtraSamples = patches,
            ClassNames = m.ClassNames,
            SpacingUm = m.SpacingUm,
            PatchSize = m.PatchSize,
            Depth = m.Depth,
            BaseChannels = m.BaseChannels,
            Normalisation = m.Normalisation,
            Dropout = m.Dropout,
            Members = start.Members.Count,
            Steps = request.Steps,
            BatchSize = request.BatchSize,
            Seed = request.Seed,
            Threads = request.Threads,
            Augmentation = request.NoAugmentation ? AugmentationOptions.None : new AugmentationOptions(),
        };
        using var trained = request.FromScratch
            ? EnsembleTrainer.Train(options, progress, cancel)
            : EnsembleTrainer.FineTune(start, options, progress, cancel);
        var id = "v" + (workspace.Manifest.Versions.Count + 1).ToString(CultureInfo.InvariantCulture);
        var version = new ModelVersion
        {
            Id = id,
            Folder = Path.Combine("models", id),
            CreatedAt = DateTimeOffset.UtcNow,
            Parent = parent.Id,
            TrainedOnRounds = rounds,
            How = request.FromScratch ? "from-scratch" : "fine-tuned",
            Steps = request.Steps,
            PatchWeight = request.PatchWeight,
            PatchCount = patches.Count,
        };
        var folder = workspace.PathOf(version.Folder);
        if (Directory.Exists(folder)) throw new InvalidInputException(folder, "model folder already exists; refusing to overwrite it");
        trained.Save(folder);
        workspace.AddVersion(version);
        return version;
    }
}
