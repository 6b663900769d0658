using Uga.Imaging;

using Uga.Inference;

namespace Uga.Learning;

/// <summary>Process-wide settings of the TorchSharp backend, so commands set them without touching torch.</summary>
public static class TorchRuntime
{
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
}
