using System.Runtime.InteropServices;
using Uga.Imaging;
using Uga.Inference;

namespace Uga.Learning;

/// <summary>Process-wide settings of the TorchSharp backend, so commands set them without touching torch.</summary>
public static partial class TorchRuntime
{
    private static readonly Lazy<bool> NnpackOff = new(TurnNnpackOff);

    /// <summary>
    /// Intra-op threads for every network in this process (libtorch's setting is process-wide); ONNX models opened
    /// afterwards get the same number.
    /// </summary>
    public static void SetThreads(int threads)
    {
        if (threads < 1) throw new InvalidInputException(null, $"--threads must be >= 1, got {threads}");
        TorchSharp.torch.set_num_threads(threads);
        Uga.Onnx.OnnxEnsemble.DefaultThreads = threads;
    }

    /// <summary>
    /// Switches libtorch's NNPACK convolutions off, once per process; true if that took. Why: libtorch asks NNPACK
    /// about every convolution oneDNN does not take (our 1×1 head on one thread), and where NNPACK cannot start
    /// (AMD EPYC with AVX-512) each ask writes "Could not initialize NNPACK! Reason: Unsupported hardware." to stderr,
    /// dozens of lines per command. TorchSharp has no switch for it, so this calls libtorch's own
    /// <c>at::globalContext().setUserEnabledNNPACK(false)</c>; the convolution then takes libtorch's portable path.
    /// </summary>
    internal static bool EnsureNnpackOff() => NnpackOff.Value;

    /// <summary>libtorch's own NNPACK switch as it stands (for tests).</summary>
    internal static bool NnpackEnabled() => UserEnabledNnpack(GlobalContext());

    private static bool TurnNnpackOff()
    {
        try
        {
            _ = TorchSharp.torch.get_num_threads();   // loads libtorch the way TorchSharp does, before we call into it
            SetUserEnabledNnpack(GlobalContext(), enabled: false);
            return !NnpackEnabled();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;   // another libtorch build: the warning may come back, nothing else changes
        }
    }

    // C++ entry points of libtorch 2.10 (TorchSharp-cpu 0.107), mangled by the Itanium ABI of Linux and macOS.
    [LibraryImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static partial IntPtr GlobalContext();

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    private static partial void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [LibraryImport("libtorch_cpu", EntryPoint = "_ZNK2at7Context17userEnabledNNPACKEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static partial bool UserEnabledNnpack(IntPtr context);
}
