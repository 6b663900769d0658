using System.Globalization;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;

namespace Uga.Loop.Workspace;

/// <summary>How to make the next model version.</summary>
public sealed record FineTuneRequest
{
    /// <summary>The one fine-tuning recipe (the one docs/results measured).</summary>
    public FineTuneRecipe Recipe { get; init; } = new();

    /// <summary>Train a new ensemble with the current version's architecture instead of warm-starting it.</summary>
    public bool FromScratch { get; init; }

    /// <summary>Steps of a from-scratch training (the recipe's steps are for continuing a trained model).</summary>
    public int ScratchSteps { get; init; } = 2000;

    public int Seed { get; init; } = 1;
    public int? Threads { get; init; }
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
        request.Recipe.Validate();
        var parent = workspace.Manifest.Current;
        var (patches, rounds) = workspace.ImportedSamples(1.0);
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
            ClassNames = m.ClassNames,
            SpacingUm = m.SpacingUm,
            PatchSize = m.PatchSize,
            Architecture = UNetOptions.Of(m),
            Members = start.Members.Count,
            Seed = request.Seed,
            Threads = request.Threads,
        };
        using var trained = request.FromScratch
            ? EnsembleTrainer.Train(request.Recipe.Scratch(options, patches, request.ScratchSteps, m.SpacingUm), progress, cancel)
            : request.Recipe.Run(start, options, patches, progress, cancel);
        return SaveNextVersion(workspace, trained, new ModelVersion
        {
            Id = "",
            Folder = "",
            CreatedAt = DateTimeOffset.UtcNow,
            Parent = parent.Id,
            TrainedOnRounds = rounds,
            How = request.FromScratch ? "from-scratch" : "fine-tuned",
            Steps = request.FromScratch ? request.ScratchSteps : request.Recipe.Steps,
            PatchCount = patches.Count,
            Recipe = request.Recipe.Describe(),
        });
    }

    /// <summary>
    /// Saves <paramref name="model"/> as the workspace's next version (v N+1, under models/) and registers it with
    /// what <paramref name="version"/> says of its making; the id and folder are filled in here.
    /// </summary>
    internal static ModelVersion SaveNextVersion(LoopWorkspace workspace, Learning.Ensemble model, ModelVersion version)
    {
        var id = "v" + (workspace.Manifest.Versions.Count + 1).ToString(CultureInfo.InvariantCulture);
        version = version with { Id = id, Folder = Path.Combine("models", id) };
        var folder = workspace.PathOf(version.Folder);
        if (Directory.Exists(folder)) SetAsideUnregistered(folder);
        model.Save(folder);
        workspace.AddVersion(version);
        return version;
    }

    // The store names the next version after the ones it holds, so a folder already there was saved by a run killed
    // before its version was recorded: nothing refers to it. It is kept (moved under models/.interrupted), not
    // overwritten, and the rerun completes.
    internal static void SetAsideUnregistered(string folder)
    {
        var aside = Path.Combine(Path.GetDirectoryName(folder)!, ".interrupted",
            $"{Path.GetFileName(folder)}-{DateTime.UtcNow:yyyyMMdd'T'HHmmssfff}");
        Directory.CreateDirectory(Path.GetDirectoryName(aside)!);
        Directory.Move(folder, aside);
    }
}
