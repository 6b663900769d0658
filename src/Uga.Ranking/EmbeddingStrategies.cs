using Uga.Imaging;

namespace Uga.Ranking;

/// <summary>
/// A grouping that also rescores the candidates of a selection unit once K is known (cluster-based strategies pick
/// the best candidate of each of K clusters, and "best" depends on the clusters).
/// </summary>
public interface IUnitPlan : ICandidateGrouping
{
    (int[] Groups, double[] Scores) Plan(IReadOnlyList<Candidate> unit, int k);
}

/// <summary>Patch embeddings of a unit, required: a clear error when the candidates carry none.</summary>
internal static class Embeddings
{
    public static double[][] Of(IReadOnlyList<Candidate> unit, string strategy)
    {
        if (unit.Any(c => c.Embedding is null))
            throw new InvalidInputException(null, $"{strategy} needs patch embeddings (the ensemble's pooled bottleneck features), but the candidates carry none");
        return ClusterGrouping.Features(unit);
    }
}

/// <summary>
/// CLUE (Prabhu et al., arXiv 2010.08666): k-means of the patch embeddings weighted by uncertainty (mean of
/// <paramref name="measure"/>), K clusters, the patch nearest each weighted centre. Uncertain and diverse at once.
/// </summary>
public sealed class ClueGrouping(string measure, int seed) : IUnitPlan
{
    public string Name => "clue";

    public int[] Group(IReadOnlyList<Candidate> unit, int k) => Plan(unit, k).Groups;

    public (int[] Groups, double[] Scores) Plan(IReadOnlyList<Candidate> unit, int k)
    {
        var points = Embeddings.Of(unit, Name);
        // A floor keeps certain patches assignable (a zero weight would leave a cluster of them centreless).
        var weights = unit.Select(c => 1e-6 + Math.Max(0, c.Measure(measure).Mean)).ToArray();
        var (groups, centres) = KMeans.Cluster(points, Math.Min(k, unit.Count), seed, weights);
        return (groups, [.. points.Select((p, i) => -KMeans.Distance(p, centres[groups[i]]))]);
    }
}

/// <summary>
/// TypiClust (Hacohen et al., arXiv 2202.02794), for tiny budgets: K k-means clusters of the embeddings and, in each,
/// the most typical patch — the inverse mean distance to its nearest neighbours (up to 20) in the cluster.
/// </summary>
public sealed class TypicalGrouping(int seed) : IUnitPlan
{
    public const int Neighbours = 20;

    public string Name => "typical";

    public int[] Group(IReadOnlyList<Candidate> unit, int k) => Plan(unit, k).Groups;

    public (int[] Groups, double[] Scores) Plan(IReadOnlyList<Candidate> unit, int k)
    {
        var points = Embeddings.Of(unit, Name);
        var groups = KMeans.Cluster(points, Math.Min(k, unit.Count), seed);
        var scores = new double[unit.Count];
        foreach (var cluster in Enumerable.Range(0, unit.Count).GroupBy(i => groups[i]))
        {
            var members = cluster.ToArray();
            foreach (int i in members)
            {
                var nearest = members.Where(j => j != i).Select(j => KMeans.Distance(points[i], points[j])).Order().Take(Neighbours).ToArray();
                // A singleton cluster has no neighbours: least typical, but still its cluster's only choice.
                scores[i] = nearest.Length == 0 ? 0 : 1 / (nearest.Average() + 1e-12);
            }
        }
        return (groups, scores);
    }
}

/// <summary>
/// Density ratio (in the spirit of D2ADA, arXiv 2202.06484): log density of a patch's embedding under the target
/// pool minus under the source training patches, each a diagonal Gaussian. High where the target has tissue the
/// source never showed — regions an ensemble can be confidently wrong on, invisible to uncertainty.
/// </summary>
public sealed class DensityRatioScoring(IReadOnlyList<float[]>? source) : IScoringMethod
{
    public string Name => "density-ratio";

    public string Description => $"log p_target(embedding) − log p_source(embedding), diagonal Gaussians ({source?.Count ?? 0} source patches)";

    public double[] Score(IReadOnlyList<Candidate> pool)
    {
        if (source is null || source.Count < 2)
            throw new InvalidInputException(null, "density-ratio needs the embeddings of at least 2 source patches (uga simulate computes them from the source data)");
        var target = Embeddings.Of(pool, Name);
        var sourceFit = Gaussian.Fit([.. source.Select(v => v.Select(x => (double)x).ToArray())]);
        if (sourceFit.Mean.Length != target[0].Length)
            throw new InvalidInputException(null, $"source embeddings have {sourceFit.Mean.Length} dimensions, the candidates' {target[0].Length}");
        var targetFit = Gaussian.Fit(target);
        return [.. target.Select(x => targetFit.LogDensity(x) - sourceFit.LogDensity(x))];
    }

    private sealed record Gaussian(double[] Mean, double[] Variance)
    {
        public static Gaussian Fit(double[][] points)
        {
            int dims = points[0].Length;
            var mean = new double[dims];
            var variance = new double[dims];
            for (int d = 0; d < dims; d++)
            {
                // Summed in sorted order, so a score never depends on the pool's order (not even in the last bit).
                var values = points.Select(p => p[d]).Order().ToArray();
                mean[d] = values.Average();
                // The floor keeps a constant feature from giving an infinite density.
                variance[d] = Math.Max(1e-6, values.Select(v => (v - mean[d]) * (v - mean[d])).Order().Average());
            }
            return new Gaussian(mean, variance);
        }

        public double LogDensity(double[] x)
        {
            double sum = 0;
            for (int d = 0; d < x.Length; d++)
                sum -= (0.5 * Math.Log(2 * Math.PI * Variance[d])) + ((x[d] - Mean[d]) * (x[d] - Mean[d]) / (2 * Variance[d]));
            return sum;
        }
    }
}
