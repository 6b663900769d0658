using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Uga.Imaging;

namespace Uga.Inference.Artifacts;

/// <summary>
/// What a stored prediction was computed from and how: the key that decides reuse (<see cref="PredictionKey"/>)
/// plus the geometry and contents. Kept as the "uga" attributes of the artifact's root zarr.json.
/// </summary>
public sealed record ArtifactManifest
{
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;
    public required PredictionKey Key { get; init; }

    /// <summary>The slide as given (for people; identity is <see cref="PredictionKey.SlideFingerprint"/>).</summary>
    public required string SlidePath { get; init; }

    /// <summary>Level-0 size and spacing of the slide.</summary>
    public required int SlideWidth { get; init; }
    public required int SlideHeight { get; init; }
    public required double SlideSpacingUm { get; init; }

    /// <summary>Size and spacing of every array (the slide at the model's spacing).</summary>
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required double SpacingUm { get; init; }

    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Uncertainty measures stored, each the array uncertainty/NAME (float32).</summary>
    public required IReadOnlyList<string> Measures { get; init; }

    /// <summary>Per-patch feature sets stored beside the maps (e.g. encoder embeddings); none yet.</summary>
    public IReadOnlyList<string> Features { get; init; } = [];

    public required int Chunk { get; init; }

    /// <summary>
    /// The rows a band unit stored (the other chunks are absent); null for a whole prediction. Only
    /// <see cref="ArtifactBands.Merge"/> reads band artifacts: they never stand for a slide's prediction.
    /// </summary>
    public RowBand? Rows { get; init; }

    public required long PatchesPredicted { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The root group metadata (Zarr v3) carrying this manifest.</summary>
    public string ToGroupJson() => new JsonObject
    {
        ["zarr_format"] = 3,
        ["node_type"] = "group",
        ["attributes"] = new JsonObject { ["uga"] = JsonSerializer.SerializeToNode(this, Json) },
    }.ToJsonString(Json);

    public static ArtifactManifest Read(string groupJsonPath)
    {
        if (!File.Exists(groupJsonPath)) throw new InvalidInputException(groupJsonPath, "missing: not a prediction artifact, or one whose writing was interrupted");
        ArtifactManifest? manifest;
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(groupJsonPath))?["attributes"]?["uga"];
            manifest = node?.Deserialize<ArtifactManifest>(Json);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            // InvalidOperationException: valid JSON of the wrong shape (a number where the group object should be);
            // ArgumentException: an object with a key twice.
            throw new InvalidInputException(groupJsonPath, $"unreadable prediction artifact manifest ({e.Message.Split('\n')[0]})", e);
        }
        if (manifest is null) throw new InvalidInputException(groupJsonPath, "not a Uga prediction artifact (no uga attributes)");
        if (manifest.Key is null || manifest.ClassNames is null || manifest.Measures is null || manifest.Features is null || manifest.SlidePath is null)
            throw new InvalidInputException(groupJsonPath, "prediction artifact manifest lacks its key, slide, classes or measures");
        if (manifest.FormatVersion > CurrentFormatVersion)
            throw new InvalidInputException(groupJsonPath, $"artifact format {manifest.FormatVersion} is newer than this uga understands ({CurrentFormatVersion})");
        if (manifest.Width < 1 || manifest.Height < 1 || manifest.ClassNames.Count < 1 || manifest.Chunk < 1 || !(manifest.SpacingUm > 0))
            throw new InvalidInputException(groupJsonPath, "prediction artifact manifest has an empty size, no classes or no spacing");
        return manifest;
    }
}

/// <summary>
/// The inputs a prediction depends on. Two predictions with equal keys are interchangeable, so a stored one is
/// reused; any difference (another model version, a changed slide file, other tiling) makes it stale.
/// </summary>
public sealed record PredictionKey(
    string ModelHash,
    string SlideFingerprint,
    string SampleSource,
    int Overlap,
    double MinTissueFraction)
{
    /// <summary>The key of predicting the file at <paramref name="path"/> with <paramref name="options"/> by a model of <paramref name="patchSize"/> px.</summary>
    public static PredictionKey Of(string modelHash, string path, PredictOptions options, int patchSize, double minTissueFraction) =>
        new(modelHash, Fingerprints.Slide(path), options.SourceName, options.OverlapFor(patchSize), minTissueFraction);

    /// <summary>Why <paramref name="stored"/> cannot stand for this key, or null when it can.</summary>
    public string? Mismatch(PredictionKey stored) =>
        stored.ModelHash != ModelHash ? "it was predicted by another model"
        : stored.SlideFingerprint != SlideFingerprint ? "the slide file has changed since"
        : stored.SampleSource != SampleSource ? $"it used {stored.SampleSource} samples, not {SampleSource}"
        : stored.Overlap != Overlap ? $"it used a {stored.Overlap} px overlap, not {Overlap}"
        : !stored.MinTissueFraction.Equals(MinTissueFraction) ? "it used another minimum tissue fraction"
        : null;
}
