using Uga.Imaging;
using static TorchSharp.torch;

namespace Uga.Learning;

/// <summary>
/// One feature vector per patch for the embedding strategies (CLUE, TypiClust, density ratio): the ensemble's
/// bottleneck features, average-pooled over the patch and averaged over the members (frozen, eval mode). The
/// bottleneck sees the patch at the model's spacing, so patches must be at that spacing and divisible by 2^depth.
/// </summary>
public static class PatchEmbeddings
{
    public static float[][] Compute(Ensemble model, IReadOnlyList<RgbImage> patches, int batchSize = 16, CancellationToken cancel = default)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "batch size must be positive");
        var result = new float[patches.Count][];
        using var noGrad = no_grad();
        foreach (var member in model.Members) member.eval();
        int start = 0;
        while (start < patches.Count)
        {
            cancel.ThrowIfCancellationRequested();
            // Equal sizes within a batch; a differently sized patch starts its own batch.
            int end = start + 1;
            while (end < patches.Count && end - start < batchSize && SameSize(patches[end], patches[start])) end++;
            using var scope = NewDisposeScope();
            var pixels = new byte[(end - start) * patches[start].Data.Length];
            for (int i = start; i < end; i++) patches[i].Data.CopyTo(pixels, (i - start) * patches[start].Data.Length);
            // Channels-last for speed (InputTensor.ChannelsLast says why and how much).
            var x = InputTensor.ChannelsLast(model.Normalise(tensor(pixels, [end - start, patches[start].Height, patches[start].Width, 3])));
            Tensor? sum = null;
            foreach (var member in model.Members)
            {
                var pooled = member.Encode(x).mean([2, 3]);
                sum = sum is null ? pooled : sum + pooled;
            }
            var mean = (sum! / model.Members.Count).contiguous().data<float>().ToArray();
            int dims = mean.Length / (end - start);
            for (int i = start; i < end; i++) result[i] = mean.AsSpan((i - start) * dims, dims).ToArray();
            start = end;
        }
        return result;
    }

    private static bool SameSize(RgbImage a, RgbImage b) => a.Width == b.Width && a.Height == b.Height;
}
