namespace Uga.Inference;

/// <summary>
/// A cheaper ensemble: the first member sees every tile, the other members only tiles whose first-pass mean
/// normalised entropy (H / ln C, averaged over the tile's pixels) exceeds <see cref="Threshold"/>. For a tile that is
/// not escalated the other samples are copies of the first, so the members agree there: its uncertainty is the first
/// member's entropy and its mean prediction the first member's. Whether the ranking survives this is measured, not
/// assumed (docs/benchmarks.md, `uga-bench cheap-uncertainty`).
/// </summary>
public sealed class CascadeSource : IProbabilitySource, IForwardCounter
{
    private readonly IProbabilitySource first;
    private readonly IProbabilitySource rest;
    private readonly int classes;

    public CascadeSource(IProbabilitySource first, IProbabilitySource rest, int classes, double threshold)
    {
        if (first.SampleCount != 1) throw new ArgumentException("the first pass is one member", nameof(first));
        this.first = first;
        this.rest = rest;
        this.classes = classes;
        Threshold = threshold;
    }

    /// <summary>The source a prediction runs: the ensemble, or its cascade when <paramref name="options"/> asks for one.</summary>
    public static IProbabilitySource For(IEnsembleModel ensemble, PredictOptions options)
    {
        if (options.CascadeThreshold is not { } threshold) return ensemble.CreateSource(options.Samples, options.McDropoutPasses);
        int members = ensemble.Manifest.Members;
        if (members < 2) return ensemble.CreateSource(SampleSourceKind.Ensemble);
        return new CascadeSource(ensemble.CreateMemberSource(0, 1), ensemble.CreateMemberSource(1, members - 1), ensemble.Manifest.ClassCount, threshold);
    }

    public double Threshold { get; }

    /// <summary>Not the plain "ensemble": artifact keys and summaries must tell a cascade's samples apart.</summary>
    public string Name => NameFor(Threshold);

    public static string NameFor(double threshold) =>
        $"ensemble-cascade-{threshold.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
    public int SampleCount => 1 + rest.SampleCount;

    /// <summary>Tiles seen and tiles escalated to the whole ensemble so far.</summary>
    public long Tiles { get; private set; }

    public long Escalated { get; private set; }

    public long Forwards => Tiles + (Escalated * rest.SampleCount);

    public float[] Sample(ReadOnlySpan<byte> tiles, int count, int patchSize)
    {
        int plane = patchSize * patchSize, tileBytes = plane * 3, samples = SampleCount;
        long perSample = (long)classes * plane;
        var firstPass = first.Sample(tiles, count, patchSize);
        var escalate = Enumerable.Range(0, count).Where(n => MeanEntropy(firstPass.AsSpan((int)(n * perSample), (int)perSample), plane) > Threshold).ToList();
        float[]? others = null;
        if (escalate.Count > 0)
        {
            var subset = new byte[escalate.Count * tileBytes];
            for (int i = 0; i < escalate.Count; i++) tiles.Slice(escalate[i] * tileBytes, tileBytes).CopyTo(subset.AsSpan(i * tileBytes));
            others = rest.Sample(subset, escalate.Count, patchSize);
        }
        var result = new float[count * samples * perSample];
        int next = 0;
        for (int n = 0; n < count; n++)
        {
            var own = firstPass.AsSpan((int)(n * perSample), (int)perSample);
            var target = result.AsSpan((int)(n * samples * perSample), (int)(samples * perSample));
            own.CopyTo(target);
            bool escalated = next < escalate.Count && escalate[next] == n;
            for (int s = 1; s < samples; s++)
            {
                var from = escalated ? others.AsSpan((int)(((long)next * (samples - 1) + s - 1) * perSample), (int)perSample) : own;
                from.CopyTo(target.Slice((int)(s * perSample), (int)perSample));
            }
            if (escalated) next++;
        }
        Tiles += count;
        Escalated += escalate.Count;
        return result;
    }

    private double MeanEntropy(ReadOnlySpan<float> tile, int plane)
    {
        double sum = 0;
        for (int i = 0; i < plane; i++)
            for (int c = 0; c < classes; c++)
            {
                float p = tile[c * plane + i];
                if (p > 0) sum -= p * Math.Log(p);
            }
        return sum / plane / Math.Log(classes);
    }
}

/// <summary>A source that knows how many network forwards (patch × member) it actually ran.</summary>
public interface IForwardCounter
{
    long Forwards { get; }
}
