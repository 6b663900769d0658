using System.Text.Json;
using System.Text.Json.Serialization;
using Uga.Imaging;

namespace Uga.Inference;

/// <summary>
/// Everything needed to rebuild and use a trained ensemble, stored as manifest.json in the model folder beside
/// the member weight files. Inference must use exactly this spacing, patch geometry and input normalisation.
/// The backend says who runs the members: Uga's own TorchSharp U-Nets (the architecture fields and the training
/// record describe them), or ONNX Runtime for any ONNX segmentation network — a user's nnU-Net or PyTorch export,
/// or a Uga model written out by <c>uga export onnx</c> — which needs only the fields inference reads plus
/// <see cref="Output"/>.
/// </summary>
public sealed record ModelManifest
{
    public const int CurrentFormatVersion = 1;
    public const string FileName = "manifest.json";

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>"torchsharp" (Uga's U-Nets: train, fine-tune, adapt, predict) or "onnx" (predict, rank, evaluate).</summary>
    public string Backend { get; init; } = TorchSharpBackend;

    /// <summary>For ONNX members: whether the network's output is "logits" (Uga applies softmax) or "probabilities".</summary>
    public string? Output { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>µm per pixel at which the model sees images.</summary>
    public required double SpacingUm { get; init; }

    /// <summary>Training patch side in pixels (at <see cref="SpacingUm"/>).</summary>
    public required int PatchSize { get; init; }

    /// <summary>U-Net depth (TorchSharp backend only).</summary>
    public int Depth { get; init; }

    /// <summary>Channels of the U-Net's first level (TorchSharp backend only).</summary>
    public int BaseChannels { get; init; }

    /// <summary>"batch", "instance" or "none" (TorchSharp backend only).</summary>
    public string Normalisation { get; init; } = "";

    public double Dropout { get; init; }

    /// <summary>Per-channel (R, G, B) mean of training pixels scaled to [0, 1].</summary>
    public required float[] InputMean { get; init; }

    /// <summary>Per-channel (R, G, B) standard deviation of training pixels scaled to [0, 1].</summary>
    public required float[] InputStd { get; init; }

    public required int Members { get; init; }

    /// <summary>Weight file of each member, relative to the model folder (member-0.pt, ..., or *.onnx).</summary>
    public required IReadOnlyList<string> MemberFiles { get; init; }

    /// <summary>How the members were trained (empty for a foreign ONNX model).</summary>
    public TrainingRecord Training { get; init; } = new();
    public string CodeVersion { get; init; } = DefaultCodeVersion();
    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;

    [JsonIgnore] public int ClassCount => ClassNames.Count;

    public const string TorchSharpBackend = "torchsharp";
    public const string OnnxBackend = "onnx";
    public static readonly IReadOnlyList<string> Backends = [TorchSharpBackend, OnnxBackend];
    public static readonly IReadOnlyList<string> Outputs = ["logits", "probabilities"];

    [JsonIgnore] public bool IsOnnx => Backend == OnnxBackend;

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
        Require(Backends.Contains(Backend), $"backend: unknown '{Backend}' (valid: {string.Join(", ", Backends)})");
        Require(ClassNames is { Count: >= 2 }, "classNames: a model needs at least 2 class names");
        Require(ClassNames.Count <= LabelMap.Ignore, $"classNames: too many classes ({ClassNames.Count})");
        Require(ClassNames.All(n => !string.IsNullOrWhiteSpace(n)), "classNames: class names must not be empty");
        Require(double.IsFinite(SpacingUm) && SpacingUm > 0, $"spacingUm: must be positive, found {SpacingUm}");
        Require(PatchSize > 0, $"patchSize: must be positive, found {PatchSize}");
        Require(InputMean is { Length: 3 } && InputStd is { Length: 3 }, "inputMean, inputStd: must have 3 values (R, G, B)");
        Require(InputStd.All(s => float.IsFinite(s) && s > 0), "inputStd: values must be positive");
        Require(Members >= 1, $"members: a model needs at least one member, found {Members}");
        Require(MemberFiles is not null && MemberFiles.Count == Members, $"memberFiles: lists {MemberFiles?.Count ?? 0} files for {Members} members");
        Require(MemberFiles!.All(f => !string.IsNullOrWhiteSpace(f) && System.IO.Path.GetFileName(f) == f),
            "memberFiles: must be plain file names inside the model folder");
        Require(Training is not null, "training: null (leave it out instead)");
        if (IsOnnx)
        {
            Require(Output is not null, "output: missing; say whether the network ends in \"logits\" (Uga applies softmax) or \"probabilities\"");
            Require(Outputs.Contains(Output!), $"output: unknown '{Output}' (valid: {string.Join(", ", Outputs)})");
            return;
        }
        Require(Output is null, "output: only ONNX models declare it (Uga's U-Nets end in logits)");
        Require(Depth is >= 1 and <= 8, $"depth: must be 1..8, found {Depth}");
        Require(BaseChannels is >= 1 and <= 1024, $"baseChannels: must be 1..1024, found {BaseChannels}");
        Require(PatchSize % (1 << Depth) == 0, $"patchSize: {PatchSize} is not a multiple of 2^depth = {1 << Depth}");
        Require(Normalisations.Contains(Normalisation), $"normalisation: unknown '{Normalisation}' (batch, instance or none)");
        Require(Dropout is >= 0 and < 1, $"dropout: must be in [0, 1), found {Dropout}");
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
