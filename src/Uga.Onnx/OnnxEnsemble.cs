using Microsoft.ML.OnnxRuntime;
using Uga.Imaging;
using Uga.Inference;

namespace Uga.Onnx;

/// <summary>
/// An ensemble whose members are ONNX files run by ONNX Runtime (CPU). The model folder is the same as for Uga's own
/// models — manifest.json beside the member files — with <c>"backend": "onnx"</c> and <c>"output"</c> saying whether
/// the networks end in logits or probabilities. Each member takes float32 N×3×H×W (RGB scaled to [0, 1], then
/// standardised by the manifest's inputMean/inputStd) and gives N×C×H×W. Loading checks every member against the
/// manifest, so a manifest that does not describe its networks fails with the field it got wrong.
/// </summary>
public sealed class OnnxEnsemble : IEnsembleModel
{
    private readonly List<InferenceSession> sessions;
    private readonly string[] inputNames;

    private OnnxEnsemble(ModelManifest manifest, List<InferenceSession> sessions, string[] inputNames)
    {
        Manifest = manifest;
        this.sessions = sessions;
        this.inputNames = inputNames;
    }

    /// <summary>Intra-op threads of sessions opened from now on (null: ONNX Runtime's choice, one per core).</summary>
    public static int? DefaultThreads { get; set; }

    public ModelManifest Manifest { get; }

    /// <summary>The ONNX Runtime library's version, for reports.</summary>
    public static string RuntimeVersion => OrtEnv.Instance().GetVersionString();

    /// <summary>Reads an ONNX model folder; problems name the manifest field or the member file at fault.</summary>
    public static OnnxEnsemble Load(string modelDir, ModelManifest manifest, int? threads = null)
    {
        if (!manifest.IsOnnx) throw new InvalidInputException(modelDir, $"backend is {manifest.Backend}, not onnx");
        return Open(manifest, Path.Combine(modelDir, ModelManifest.FileName), threads,
            (i, options) => OpenFile(Path.Combine(modelDir, manifest.MemberFiles[i]), options));
    }

    /// <summary>
    /// Members given as serialised ONNX models (Uga's own U-Nets exported in memory); <paramref name="manifest"/>
    /// must be an ONNX manifest whose member files name them.
    /// </summary>
    public static OnnxEnsemble FromBytes(ModelManifest manifest, IReadOnlyList<byte[]> members, int? threads = null)
    {
        if (!manifest.IsOnnx || members.Count != manifest.Members)
            throw new ArgumentException($"need an onnx manifest of {members.Count} members", nameof(manifest));
        return Open(manifest, ModelManifest.FileName, threads, (i, options) => new InferenceSession(members[i], options));
    }

    /// <summary>Opens every member with one set of session options and checks it against the manifest; all or nothing.</summary>
    private static OnnxEnsemble Open(ModelManifest manifest, string manifestPath, int? threads, Func<int, SessionOptions, InferenceSession> open)
    {
        using var options = Options(threads ?? DefaultThreads);
        var sessions = new List<InferenceSession>();
        var inputs = new List<string>();
        try
        {
            for (int i = 0; i < manifest.Members; i++)
            {
                sessions.Add(open(i, options));
                inputs.Add(OnnxSignature.Check(sessions[i], manifest, manifestPath, manifest.MemberFiles[i]));
            }
            return new OnnxEnsemble(manifest, sessions, [.. inputs]);
        }
        catch
        {
            foreach (var s in sessions) s.Dispose();
            throw;
        }
    }

    /// <summary>The members as samples; MC-dropout and TTA are TorchSharp-only and refused.</summary>
    public IProbabilitySource CreateSource(SampleSourceKind kind, int passes = 8) => kind == SampleSourceKind.Ensemble
        ? new OnnxSource(sessions, inputNames, Manifest)
        : throw new InvalidInputException(null, $"--samples {SampleSources.NameOf(kind)} needs a Uga (TorchSharp) model; an ONNX model samples its members only (--samples ensemble)");

    private static readonly Lazy<bool> SharedArena = new(() =>
    {
        using var info = new OrtMemoryInfo(OrtMemoryInfo.allocatorCPU, OrtAllocatorType.ArenaAllocator, 0, OrtMemType.Default);
        using var arena = new OrtArenaCfg(0, -1, -1, -1);
        OrtEnv.Instance().CreateAndRegisterAllocator(info, arena);
        return true;
    });

    internal static SessionOptions Options(int? threads)
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            InterOpNumThreads = 1,
        };
        // Each session's own arena keeps its largest batch's activations for good (≈ 0.5 GB for the default U-Net at
        // batch 8 × 256²), so five members held 2.8 GB. The members run one after another, so they share one arena.
        _ = SharedArena.Value;
        options.AddSessionConfigEntry("session.use_env_allocators", "1");
        if (threads is { } t) options.IntraOpNumThreads = t;
        // Spinning worker threads are what made libtorch's second thread 20-40x slower on a busy machine; ONNX
        // Runtime lets us turn it off (a few per cent on an idle one).
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    public IProbabilitySource CreateMemberSource(int first, int count) =>
        new OnnxSource([.. sessions.Skip(first).Take(count)], inputNames[first..(first + count)], Manifest);

    public void Dispose()
    {
        foreach (var s in sessions) s.Dispose();
    }

    private static InferenceSession OpenFile(string path, SessionOptions options)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "model member not found");
        try
        {
            return new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidInputException(path, $"not a loadable ONNX model ({e.Message.Split('\n')[0]})", e);
        }
    }
}
