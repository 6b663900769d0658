using System.Text.Json;
using System.Text.Json.Serialization;
using Uga.Imaging;

namespace Uga.Inference;

/// <summary>
/// Everything needed to rebuild and use a trained ensemble, stored as manifest.json in the model folder beside
/// the member weight files. Inference must use exactly this spacing, patch geometry and input normalisation.
/// </summary>
public sealed record ModelManifest
{
    public const int CurrentFormatVersion = 1;
    public const string FileName = "manifest.json";

    public int FormatVersion { get; init; } = CurrentFormatVersion;
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>µm per pixel at which the model sees images.</summary>
    public required double SpacingUm { get; init; }

    /// <summary>Training patch side in pixels (at <see cref="SpacingUm"/>).</summary>
    public required int PatchSize { get; init; }

    public required int Depth { get; init; }
    public required int BaseChannels { get; init; }

    /// <summary>"batch", "instance" or "none".</summary>
    public required string Normalisation { get; init; }

    public double Dropout { get; init; }

    /// <summary>Per-channel (R, G, B) mean of training pixels scaled to [0, 1].</summary>
    public required float[] InputMean { get; init; }

    /// <summary>Per-channel (R, G, B) standard deviation of training pixels scaled to [0, 1].</summary>
    public required float[] InputStd { get; init; }

    public required int Members { get; init; }

    /// <summary>Weight file of each member, relative to the model folder (member-0.pt, ...).</summary>
    public required IReadOnlyList<string> MemberFiles { get; init; }

    public required TrainingRecord Training { get; init; }
    public string CodeVersion { get; init; } = DefaultCodeVersion();
    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    [JsonIgnore] public int ClassCount => ClassNames.Count;

    /// <summary>The feature normalisations a model may use (the U-Net's options validate against this list too).</summary>
    public static readonly IReadOnlyList<string> Normalisations = ["batch", "instance", "none"];

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Keep the file readable by people ("+" in versions, "µ"); it is never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Parses and validates a manifest; <paramref name="path"/> is only used to name the file in errors.</summary>
    public static ModelManifest Parse(string json, string path)
    {
        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(json, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException(path, $"corrupt model manifest ({e.Message.Split('\n')[0]})", e);
        }
        if (manifest is null) throw new InvalidInputException(path, "empty model manifest");
        manifest.Validate(path);
        return manifest;
    }

    public static ModelManifest Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "model manifest not found");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Checks internal consistency; throws <see cref="InvalidInputException"/> naming <paramref name="path"/>.</summary>
    public void Validate(string path)
    {
        void Require(bool ok, string problem)
        {
            if (!ok) throw new InvalidInputException(path, problem);
        }
        Require(FormatVersion == CurrentFormatVersion, $"unsupported model format version {FormatVersion} (this Uga reads {CurrentFormatVersion})");
        Require(ClassNames is { Count: >= 2 }, "a model needs at least 2 class names");
        Require(ClassNames.Count <= LabelMap.Ignore, $"too many classes ({ClassNames.Count})");
        Require(ClassNames.All(n => !string.IsNullOrWhiteSpace(n)), "class names must not be empty");
        Require(double.IsFinite(SpacingUm) && SpacingUm > 0, $"spacing must be positive, found {SpacingUm}");
        Require(Depth is >= 1 and <= 8, $"depth must be 1..8, found {Depth}");
        Require(BaseChannels is >= 1 and <= 1024, $"base channels must be 1..1024, found {BaseChannels}");
        Require(PatchSize > 0 && PatchSize % (1 << Depth) == 0, $"patch size {PatchSize} is not a positive multiple of 2^depth = {1 << Depth}");
        Require(Normalisations.Contains(Normalisation), $"unknown normalisation '{Normalisation}' (batch, instance or none)");
        Require(Dropout is >= 0 and < 1, $"dropout must be in [0, 1), found {Dropout}");
        Require(InputMean is { Length: 3 } && InputStd is { Length: 3 }, "input mean and std must have 3 values (R, G, B)");
        Require(InputStd.All(s => float.IsFinite(s) && s > 0), "input std values must be positive");
        Require(Members >= 1, $"a model needs at least one member, found {Members}");
        Require(MemberFiles is not null && MemberFiles.Count == Members, $"manifest lists {MemberFiles?.Count ?? 0} member files for {Members} members");
        Require(MemberFiles!.All(f => !string.IsNullOrWhiteSpace(f) && System.IO.Path.GetFileName(f) == f),
            "member files must be plain file names inside the model folder");
        Require(Training is not null, "manifest has no training record");
    }

    private static string DefaultCodeVersion() =>
        typeof(ModelManifest).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>()
            .FirstOrDefault()?.InformationalVersion ?? "unknown";
}

/// <summary>How a model was trained, so a result can be reproduced or explained.</summary>
public sealed record TrainingRecord
{
    /// <summary>Dataset folder (null when trained only on in-memory samples).</summary>
    public string? DataDir { get; init; }

    /// <summary>cases.csv filters as "column=value", all of which had to match.</summary>
    public IReadOnlyList<string> Filter { get; init; } = [];

    public int ImageCount { get; init; }
    public int ExtraSampleCount { get; init; }
    public double? DataSpacingUm { get; init; }
    public int Steps { get; init; }
    public int BatchSize { get; init; }
    public double LearningRate { get; init; }
    public double WeightDecay { get; init; }
    public int WarmupSteps { get; init; }

    /// <summary>Seed of each member (torch and sampling), in member order.</summary>
    public IReadOnlyList<int> MemberSeeds { get; init; } = [];

    public bool ClassBalanced { get; init; }
    public string Augmentation { get; init; } = "";

    /// <summary>Mean loss over the last tenth of the steps, per member.</summary>
    public IReadOnlyList<double> FinalLosses { get; init; } = [];

    /// <summary>True when training continued from an existing model's weights (fine-tuning).</summary>
    public bool WarmStart { get; init; }

    /// <summary>The training record of the model this one was fine-tuned from, if any.</summary>
    public TrainingRecord? Previous { get; init; }
}
