using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Uga.Learning;

/// <summary>
/// Takes each BatchNorm's num_batches_tracked buffer away while a network trains and puts it back, advanced by the
/// batches seen, when disposed. TorchSharp's BatchNorm.forward adds 1 to that counter through a temporary native
/// Scalar that a garbage collection on another thread can free mid-call (the CI failure "Unknown scalar type" in
/// BatchNorm.forward; see <see cref="AdamW"/>). The counter only matters when momentum is null (cumulative
/// averaging); Uga's layers use momentum 0.1, so taking it away changes no number, and saved models keep the buffer.
/// </summary>
internal sealed class BatchNormCounters : IDisposable
{
    private readonly List<(BatchNorm Layer, long Count)> detached = [];
    private long batchesSeen;

    public static BatchNormCounters Detach(nn.Module network)
    {
        var counters = new BatchNormCounters();
        foreach (var layer in network.modules().OfType<BatchNorm>())
        {
            if (layer.num_batches_tracked is not { } counter) continue;
            if (layer.momentum is null)
                throw new InvalidOperationException("cumulative BatchNorm averaging (momentum null) needs its batch counter");
            counters.detached.Add((layer, counter.item<long>()));
            layer.num_batches_tracked = null;
        }
        return counters;
    }

    /// <summary>Counts one training forward pass (what BatchNorm would have added to each counter).</summary>
    public void Seen() => batchesSeen++;

    public void Dispose()
    {
        foreach (var (layer, count) in detached) layer.num_batches_tracked = tensor(count + batchesSeen);
        detached.Clear();
    }
}
