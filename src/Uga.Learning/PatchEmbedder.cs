using Uga.Imaging;
using Uga.Learning.Inference;
using Uga.Onnx;

namespace Uga.Learning;

/// <summary>
/// One feature vector per patch for the embedding strategies (CLUE, TypiClust, density ratio): the ensemble's
/// bottleneck features, average-pooled over the patch and averaged over the members (frozen, eval mode). The
/// bottleneck sees the patch at the model's spacing, so patches must be at that spacing and divisible by 2^depth.
/// The members' encoders are exported in memory and run by ONNX Runtime: the same features as TorchSharp's
/// <see cref="UNet.Encode"/> to float precision, 12.7× faster per patch (docs/benchmarks.md, "The embedding pass").
/// They are exported and their sessions opened on the first call that has patches, then kept, so a cohort's slides
/// (or a simulation's pool and source patches) pay that once: about 0.6 s per slide for the default model, measured
/// on 20 GlaS images.
/// </summary>
/// <param name="threads">ONNX Runtime's intra-op threads; null: <see cref="OnnxEnsemble.DefaultThreads"/>.</param>
public sealed class PatchEmbedder(Ensemble model, int? threads = null) : IDisposable
{
    private OnnxFeatures? features;

    public Ensemble Model => model;

    public float[][] Compute(IReadOnlyList<RgbImage> patches, CancellationToken cancel = default) =>
        Compute(patches.Count, i => patches[i], cancel: cancel);

    /// <summary>
    /// The embeddings of <paramref name="count"/> patches, patch i read by <paramref name="patch"/> only when its batch
    /// runs, so a whole slide's candidates (8,587 × 192 KB on the 50,000² benchmark slide) are never all in memory.
    /// </summary>
    public float[][] Compute(int count, Func<int, RgbImage> patch, int batchSize = 16, IProgress<WorkProgress>? progress = null,
        CancellationToken cancel = default)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be positive");
        var result = new float[count][];
        if (count == 0) return result;
        features ??= OnnxFeatures.FromBytes(model.Manifest,
            [.. model.Members.Select((m, i) => OnnxExport.EncoderGraph(m, $"uga encoder {i}"))], threads);
        RgbImage? next = null;
        int start = 0;
        while (start < count)
        {
            cancel.ThrowIfCancellationRequested();
            // Equal sizes within a batch; a differently sized patch ends it and starts the next one.
            var batch = new List<RgbImage> { next ?? patch(start) };
            next = null;
            while (start + batch.Count < count && batch.Count < batchSize)
            {
                var p = patch(start + batch.Count);
                if (p.Width != batch[0].Width || p.Height != batch[0].Height)
                {
                    next = p;
                    break;
                }
                batch.Add(p);
            }
            Embed(batch, result, start);
            start += batch.Count;
            progress?.Report(new WorkProgress("embed patches", start, count));
        }
        return result;
    }

    private void Embed(List<RgbImage> batch, float[][] result, int start)
    {
        var first = batch[0];
        var pixels = new byte[batch.Count * first.Data.Length];
        for (int i = 0; i < batch.Count; i++) batch[i].Data.CopyTo(pixels, i * first.Data.Length);
        var mean = features!.Mean(pixels, batch.Count, first.Height, first.Width);
        int dims = mean.Length / batch.Count;
        for (int i = 0; i < batch.Count; i++) result[start + i] = mean.AsSpan(i * dims, dims).ToArray();
    }

    public void Dispose() => features?.Dispose();
}
