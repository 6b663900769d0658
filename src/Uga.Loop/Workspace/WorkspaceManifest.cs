using System.Text.Json;
using System.Text.Json.Serialization;
using Uga.Imaging;

namespace Uga.Loop.Workspace;

/// <summary>
/// The workspace's state as one value (what <see cref="Store.IWorkspaceStore.Load"/> returns); also the format of
/// round 1's workspace.json, which is read once to migrate it into the store. Everything the human-in-the-loop needs to resume and to explain itself later — the source
/// training data, every model version with its parent and the annotation rounds that trained it, and every
/// round with the model that ranked it and the annotation files imported into it (with their SHA-256).
/// </summary>
public sealed record WorkspaceManifest
{
    public const string FileName = "workspace.json";
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;
    public required SourceData Source { get; init; }
    public List<ModelVersion> Versions { get; init; } = [];
    public List<AnnotationRound> Rounds { get; init; } = [];

    [JsonIgnore] public ModelVersion Current => Versions[^1];

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static WorkspaceManifest Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "not a workspace (no workspace.json); run `uga workspace init` first");
        WorkspaceManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<WorkspaceManifest>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException(path, $"unreadable workspace manifest: {e.Message.Split('\n')[0]}");
        }
        if (manifest is null || manifest.Versions.Count == 0)
            throw new InvalidInputException(path, "workspace manifest lists no model version");
        if (manifest.FormatVersion > CurrentFormatVersion)
            throw new InvalidInputException(path, $"workspace format {manifest.FormatVersion} is newer than this uga understands ({CurrentFormatVersion})");
        return manifest;
    }

    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));
}

/// <summary>The original training data every fine-tuning starts from again (so the model does not forget it).</summary>
public sealed record SourceData(string DataDir, IReadOnlyList<string> Where, double? DataSpacingUm);

/// <summary>One model of the workspace: folder models/vN relative to the workspace.</summary>
public sealed record ModelVersion
{
    public required string Id { get; init; }
    public required string Folder { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public string? Parent { get; init; }

    /// <summary>Rounds whose annotations were in its training data (empty for the initial model).</summary>
    public IReadOnlyList<string> TrainedOnRounds { get; init; } = [];

    /// <summary>"registered" for the initial model, "fine-tuned" or "from-scratch" after.</summary>
    public required string How { get; init; }
    public int Steps { get; init; }
    /// <summary>Round 1's per-patch sampling weight (versions made since record <see cref="Recipe"/> instead).</summary>
    public double PatchWeight { get; init; }
    public int PatchCount { get; init; }
    public string? SourceModel { get; init; }

    /// <summary>The fine-tuning recipe that made it (<see cref="Learning.FineTuneRecipe.Describe"/>); null for registered and round-1 versions.</summary>
    public string? Recipe { get; init; }
}

/// <summary>One round: the candidates a model version proposed and the annotations imported for them.</summary>
public sealed record AnnotationRound
{
    public required string Id { get; init; }
    public required string RankedBy { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Copied candidates.csv (relative to the workspace), or null when rectangles come from the annotation files.</summary>
    public string? CandidatesFile { get; init; }
    public List<AnnotationImport> Imports { get; init; } = [];

    [JsonIgnore] public string Folder => Path.Combine("rounds", Id);
}

/// <summary>Provenance of one imported annotation file and the patches made from it.</summary>
public sealed record AnnotationImport
{
    public required string File { get; init; }
    public required string Sha256 { get; init; }
    public required string Format { get; init; }
    public required string Slide { get; init; }
    public required DateTimeOffset ImportedAt { get; init; }
    public required double SpacingUm { get; init; }
    public required string Unlabelled { get; init; }
    public int CandidatePatches { get; init; }
    public int ExtraRegions { get; init; }
    public int Polygons { get; init; }

    /// <summary>Patch stems (relative to the round's patches folder: images/STEM.png, masks/STEM.png).</summary>
    public IReadOnlyList<string> Patches { get; init; } = [];

    /// <summary>Labelled pixels per class name over all patches of the import.</summary>
    public IReadOnlyDictionary<string, long> PixelsPerClass { get; init; } = new Dictionary<string, long>();
}
