using Uga.Imaging;

namespace Uga.Ranking;

/// <summary>
/// Splits the candidates of one selection unit into groups; selection then goes round-robin over the groups
/// (each round ordered by the groups' best remaining candidate), so a strategy's top-K spread over the groups.
/// </summary>
public interface ICandidateGrouping
{
    string Name { get; }

    /// <summary>Group index per candidate; <paramref name="k"/> is the number the unit will choose.</summary>
    int[] Group(IReadOnlyList<Candidate> unit, int k);
}

/// <summary>One group: plain greedy top-K by score.</summary>
public sealed class NoGrouping : ICandidateGrouping
{
    public string Name => "none";

    public int[] Group(IReadOnlyList<Candidate> unit, int k) => new int[unit.Count];
}

/// <summary>One group per slide: a per-slide round-robin quota.</summary>
public sealed class SlideGrouping : ICandidateGrouping
{
    public string Name => "slides";

    public int[] Group(IReadOnlyList<Candidate> unit, int k)
    {
        var index = unit.Select(c => c.SlideId).Distinct().Order(StringComparer.Ordinal)
            .Select((id, i) => (id, i)).ToDictionary(t => t.id, t => t.i, StringComparer.Ordinal);
        return [.. unit.Select(c => index[c.SlideId])];
    }
}

/// <summary>
/// k-means clusters of per-candidate feature vectors (z-scored per dimension): the supplied embeddings when every
/// candidate has one, otherwise patch centre (µm) and mean colour when known. Seeded, so deterministic.
/// </summary>
public sealed class ClusterGrouping(int seed, int? clusters = null) : ICandidateGrouping
{
    public string Name => "clusters";

    public int[] Group(IReadOnlyList<Candidate> unit, int k)
    {
        int count = Math.Min(unit.Count, clusters ?? k);
        if (count <= 1) return new int[unit.Count];
        return KMeans.Cluster(Standardise(Features(unit)), count, seed);
    }

    public static double[][] Features(IReadOnlyList<Candidate> unit)
    {
        int withEmbedding = unit.Count(c => c.Embedding is not null);
        if (withEmbedding == unit.Count)
        {
            int dims = unit[0].Embedding!.Length;
            if (unit.Any(c => c.Embedding!.Length != dims))
                throw new InvalidInputException(null, "candidate embeddings differ in length");
            return [.. unit.Select(c => c.Embedding!.Select(v => (double)v).ToArray())];
        }
        if (withEmbedding > 0)
            throw new InvalidInputException(null, $"embeddings supplied for only {withEmbedding} of {unit.Count} candidates");
        bool colour = unit.All(c => c.Colour is not null);
        return [.. unit.Select(c => colour
            ? new[] { c.CentreUm.X, c.CentreUm.Y, c.Colour!.Value.R, c.Colour.Value.G, c.Colour.Value.B }
            : new[] { c.CentreUm.X, c.CentreUm.Y })];
    }

    // Without z-scoring, µm positions (thousands) would drown colour (0–255) and embedding scales.
    private static double[][] Standardise(double[][] points)
    {
        int dims = points[0].Length;
        var result = points.Select(p => (double[])p.Clone()).ToArray();
        for (int d = 0; d < dims; d++)
        {
            double mean = points.Average(p => p[d]);
            double sd = Math.Sqrt(points.Average(p => (p[d] - mean) * (p[d] - mean)));
            foreach (var p in result) p[d] = sd > 0 ? (p[d] - mean) / sd : 0;
        }
        return result;
    }
}

/// <summary>Lloyd's k-means with k-means++ seeding; deterministic for a given seed and point order.</summary>
public static class KMeans
{
    public static int[] Cluster(IReadOnlyList<double[]> points, int k, int seed, int maxIterations = 100) =>
        Cluster(points, k, seed, null, maxIterations).Assignment;

    /// <summary>
    /// Weighted k-means (CLUE's form when the weights are uncertainties): seeding draws ∝ weight × squared distance,
    /// centres are weighted means. Null weights = 1 each.
    /// </summary>
    public static (int[] Assignment, double[][] Centres) Cluster(IReadOnlyList<double[]> points, int k, int seed, double[]? weights, int maxIterations = 100)
    {
        if (k < 1 || k > points.Count) throw new ArgumentOutOfRangeException(nameof(k), $"k = {k} for {points.Count} points");
        var w = weights ?? [.. points.Select(_ => 1.0)];
        var rng = new Random(seed);
        var centres = SeedCentres(points, k, rng, w);
        var assignment = new int[points.Count];
        for (int iteration = 0; iteration < maxIterations; iteration++)
        {
            bool changed = Assign(points, centres, assignment) || iteration == 0;
            if (!changed) break;
            Update(points, centres, assignment, w);
        }
        return (assignment, centres);
    }

    public static double Distance(double[] a, double[] b) => Math.Sqrt(Distance2(a, b));

    private static double[][] SeedCentres(IReadOnlyList<double[]> points, int k, Random rng, double[] w)
    {
        var centres = new List<double[]> { (double[])points[rng.Next(points.Count)].Clone() };
        var nearest = points.Select((p, i) => w[i] * Distance2(p, centres[0])).ToArray();
        while (centres.Count < k)
        {
            double total = nearest.Sum();
            int pick = total > 0 ? Sample(nearest, total * rng.NextDouble()) : rng.Next(points.Count);
            centres.Add((double[])points[pick].Clone());
            for (int i = 0; i < points.Count; i++) nearest[i] = Math.Min(nearest[i], w[i] * Distance2(points[i], centres[^1]));
        }
        return [.. centres];
    }

    private static int Sample(double[] weights, double target)
    {
        for (int i = 0; i < weights.Length; i++)
        {
            target -= weights[i];
            if (target < 0) return i;
        }
        return Array.FindLastIndex(weights, w => w > 0);
    }

    private static bool Assign(IReadOnlyList<double[]> points, double[][] centres, int[] assignment)
    {
        bool changed = false;
        for (int i = 0; i < points.Count; i++)
        {
            int best = 0;
            double bestD = double.PositiveInfinity;
            for (int c = 0; c < centres.Length; c++)
            {
                double d = Distance2(points[i], centres[c]);
                if (d < bestD) (best, bestD) = (c, d);
            }
            changed |= assignment[i] != best;
            assignment[i] = best;
        }
        return changed;
    }

    // An emptied cluster is moved to the point farthest from its centre, so k groups stay k groups.
    private static void Update(IReadOnlyList<double[]> points, double[][] centres, int[] assignment, double[] w)
    {
        int dims = points[0].Length;
        var sums = new double[centres.Length][];
        var counts = new double[centres.Length];
        for (int c = 0; c < centres.Length; c++) sums[c] = new double[dims];
        for (int i = 0; i < points.Count; i++)
        {
            counts[assignment[i]] += w[i];
            for (int d = 0; d < dims; d++) sums[assignment[i]][d] += w[i] * points[i][d];
        }
        for (int c = 0; c < centres.Length; c++)
        {
            if (counts[c] > 0)
            {
                for (int d = 0; d < dims; d++) centres[c][d] = sums[c][d] / counts[c];
                continue;
            }
            int far = Enumerable.Range(0, points.Count).MaxBy(i => Distance2(points[i], centres[assignment[i]]));
            centres[c] = (double[])points[far].Clone();
            assignment[far] = c;
        }
    }

    private static double Distance2(double[] a, double[] b)
    {
        double s = 0;
        for (int d = 0; d < a.Length; d++) s += (a[d] - b[d]) * (a[d] - b[d]);
        return s;
    }
}
