using Uga.Imaging;
using Uga.Learning.Inference;
using Uga.Onnx;

namespace Uga.Learning;

/// <summary>
/// One feature vector per patch for the embedding strategies (CLUE, TypiClust, density ratio): the ensemble's
/// bottleneck features, average-pooled over the patch and averaged over the members (frozen, eval mode). The
/// bottleneck sees the patch at the model's spacing, so patches must be at that spacing and divisible by 2^depth.
/// The members' encoders are exported in memory and run by ONNX Runtime: the same features as TorchSharp's
/// <see cref="UNet.Encode"/> to float precision, several times faster per patch (docs/benchmarks.md).
/// </summary>
public static class PatchEmbeddings
{
    /// <param name="threads">ONNX Runtime's intra-op threads; null: <see cref="OnnxEnsemble.DefaultThreads"/>.</param>
    public static float[][] Compute(Ensemble model, IReadOnlyList<RgbImage> patches, int batchSize = 16, int? threads = null,
        CancellationToken cancel = default)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be positive");
        var result = new float[patches.Count][];
        if (patches.Count == 0) return result;
        using var features = OnnxFeatures.FromBytes(model.Manifest,
            [.. model.Members.Select((m, i) => OnnxExport.EncoderGraph(m, $"uga encoder {i}"))], threads);
        int start = 0;
        while (start < patches.Count)
        {
            cancel.ThrowIfCancellationRequested();
            // Equal sizes within a batch; a differently sized patch starts its own batch.
            int end = start + 1;
            while (end < patches.Count && end - start < batchSize && SameSize(patches[end], patches[start])) end++;
            var first = patches[start];
            var pixels = new byte[(end - start) * first.Data.Length];
            for (int i = start; i < end; i++) patches[i].Data.CopyTo(pixels, (i - start) * first.Data.Length);
            var mean = features.Mean(pixels, end - start, first.Height, first.Width);
            int dims = mean.Length / (end - start);
            for (int i = start; i < end; i++) result[i] = mean.AsSpan((i - start) * dims, dims).ToArray();
            start = end;
        }
        return result;
    }

    private static bool SameSize(RgbImage a, RgbImage b) => a.Width == b.Width && a.Height == b.Height;
}
