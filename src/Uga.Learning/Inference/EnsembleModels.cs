using Uga.Imaging;
using Uga.Inference;
using Uga.Onnx;

namespace Uga.Learning.Inference;

/// <summary>Who runs a Uga (TorchSharp) model's ensemble samples at inference.</summary>
public enum InferenceBackend
{
    /// <summary>
    /// ONNX Runtime for the ensemble samples (the members exported in memory: same probabilities within 1e-6,
    /// 1.7-1.8x faster on the 2-core benchmark machine, docs/benchmarks.md); TorchSharp for MC-dropout and TTA.
    /// </summary>
    Auto,

    /// <summary>TorchSharp for everything, BatchNorm folded.</summary>
    TorchSharp,
}

/// <summary>
/// Opens a model folder for inference with the backend its manifest names: Uga's TorchSharp U-Nets or ONNX
/// Runtime. Commands that only predict (predict, rank, evaluate, the workspace's predict) go through here; those
/// that train need <see cref="Ensemble.Load"/>, which refuses an ONNX folder with a clear line.
/// </summary>
public static class EnsembleModels
{
    public static IReadOnlyList<string> BackendNames { get; } = ["auto", "torchsharp"];

    public static InferenceBackend ParseBackend(string name) => name switch
    {
        "auto" => InferenceBackend.Auto,
        "torchsharp" => InferenceBackend.TorchSharp,
        _ => throw new InvalidInputException(null, $"unknown backend '{name}' (valid: {string.Join(", ", BackendNames)})"),
    };

    /// <summary>Which engine computes the samples of <paramref name="kind"/> ("onnxruntime" or "torchsharp"), for summaries.</summary>
    public static string Runner(ModelManifest manifest, InferenceBackend backend, SampleSourceKind kind,
        InferencePrecision precision = InferencePrecision.Fp32) =>
        manifest.IsOnnx ? "onnxruntime"
        : kind != SampleSourceKind.Ensemble ? "torchsharp"
        : precision == InferencePrecision.Bf16 ? "torchsharp-bf16"
        : backend == InferenceBackend.Auto ? "onnxruntime" : "torchsharp";

    /// <summary>
    /// The model in <paramref name="modelDir"/>, ready for inference only: never save or train what this returns
    /// (a TorchSharp model's BatchNorm is folded into its convolutions).
    /// </summary>
    /// <param name="precision">Resolved (<see cref="Precisions.Resolve"/>); bf16 runs the ensemble samples in
    /// TorchSharp whatever the backend (ONNX Runtime's CPU kernels have no bf16 convolution); an ONNX folder ignores it.</param>
    public static IEnsembleModel Load(string modelDir, InferenceBackend backend = InferenceBackend.Auto,
        InferencePrecision precision = InferencePrecision.Fp32)
    {
        if (!Directory.Exists(modelDir)) throw new InvalidInputException(modelDir, "model folder not found");
        var manifest = ModelManifest.Read(Path.Combine(modelDir, ModelManifest.FileName));
        if (manifest.IsOnnx) return OnnxEnsemble.Load(modelDir, manifest);
        if (precision == InferencePrecision.Auto)
            throw new ArgumentException("resolve the precision first (Precisions.Resolve)", nameof(precision));
        var ensemble = Ensemble.Load(modelDir);
        try
        {
            if (precision == InferencePrecision.Bf16) return Bf16Ensemble.Of(ensemble);
            if (backend == InferenceBackend.Auto) return Accelerated.Of(ensemble);
            foreach (var member in ensemble.Members) BatchNormFolding.Fold(member);
            return ensemble;
        }
        catch
        {
            ensemble.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <paramref name="ensemble"/> (in memory, e.g. just trained) with its ensemble samples run by ONNX Runtime; the
    /// result owns it and disposes it.
    /// </summary>
    public static IEnsembleModel Accelerate(Ensemble ensemble) => Accelerated.Of(ensemble);

    /// <summary>
    /// <paramref name="ensemble"/> (in memory, BatchNorm not yet folded) with its ensemble samples run in bfloat16
    /// (<see cref="InferencePrecision.Bf16"/>); the result owns it and disposes it.
    /// </summary>
    public static IEnsembleModel InBf16(Ensemble ensemble) => Bf16Ensemble.Of(ensemble);

    /// <summary>
    /// The TorchSharp networks behind a loaded model (for what only they have, the U-Net's bottleneck), or null for an
    /// ONNX model folder.
    /// </summary>
    public static Ensemble? TorchSharpMembers(IEnsembleModel model) => model switch
    {
        Ensemble ensemble => ensemble,
        Bf16Ensemble bf16 => bf16.Torch,
        Accelerated accelerated => accelerated.Torch,
        _ => null,
    };

    /// <summary>
    /// Copies a model folder (manifest and member files, byte for byte, so its fingerprint is kept) to
    /// <paramref name="destination"/>, which appears complete or not at all. Loads it first: a broken model is refused
    /// before anything is written.
    /// </summary>
    public static void Copy(string modelDir, string destination)
    {
        using (Load(modelDir, InferenceBackend.TorchSharp)) { }
        var manifest = ModelManifest.Read(Path.Combine(modelDir, ModelManifest.FileName));
        AtomicFile.WriteDirectory(destination, tmp =>
        {
            foreach (var file in manifest.MemberFiles.Prepend(ModelManifest.FileName))
                File.Copy(Path.Combine(modelDir, file), Path.Combine(tmp, file));
        });
    }

    /// <summary>A Uga model whose ensemble samples ONNX Runtime computes; the other sample kinds stay with TorchSharp.</summary>
    private sealed class Accelerated(Ensemble torch, OnnxEnsemble onnx) : IEnsembleModel
    {
        public static Accelerated Of(Ensemble ensemble)
        {
            var members = ensemble.Members.Select((m, i) => OnnxExport.Graph(m, ensemble.Manifest.ClassCount, $"member {i}")).ToList();
            var manifest = ensemble.Manifest with
            {
                Backend = ModelManifest.OnnxBackend,
                Output = "logits",
                MemberFiles = [.. ensemble.Manifest.MemberFiles.Select(f => f + " (in memory)")],
            };
            return new Accelerated(ensemble, OnnxEnsemble.FromBytes(manifest, members));
        }

        public ModelManifest Manifest => torch.Manifest;

        public Ensemble Torch => torch;

        public IProbabilitySource CreateSource(SampleSourceKind kind, int passes = 8) =>
            kind == SampleSourceKind.Ensemble ? onnx.CreateSource(kind) : torch.CreateSource(kind, passes);

        public IProbabilitySource CreateMemberSource(int first, int count) => onnx.CreateMemberSource(first, count);

        public void Dispose()
        {
            onnx.Dispose();
            torch.Dispose();
        }
    }
}
