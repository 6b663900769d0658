using Uga.Imaging;
namespace Uga.Ranking;

/// <summary>
/// Gives every candidate of a pool a score (higher = show first). Implementations are tiny and interchangeable;
/// the pool is passed whole so a method may normalise over it, but a score never depends on the pool's order.
/// </summary>
public interface IScoringMethod
{
    string Name { get; }

    string Description { get; }

    double[] Score(IReadOnlyList<Candidate> pool);
}

/// <summary>Whose maximum the "global" threshold of <see cref="GlobalThresholdScoring"/> is taken over.</summary>
public enum GlobalScope
{
    /// <summary>0.8 × the maximum over the candidate's own slide (tissue patches).</summary>
    Slide,

    /// <summary>0.8 × the maximum over the whole pool (tissue patches of all slides): scores comparable across slides.</summary>
    Pool,
}

/// <summary>Base for methods where each candidate's score depends on that candidate alone.</summary>
public abstract class PerCandidateScoring : IScoringMethod
{
    public abstract string Name { get; }

    public abstract string Description { get; }

    public double[] Score(IReadOnlyList<Candidate> pool) => [.. pool.Select(ScoreOne)];

    public abstract double ScoreOne(Candidate candidate);
}

/// <summary>
/// The paper's seed code: 100 · count(u &gt; 0.8 · max u within the patch) + Σ u. Because the threshold is relative
/// to the patch's own maximum, the count term rewards patches whose uncertainty is flat, not patches with much of it.
/// </summary>
public sealed class PaperScoring(string measure = PaperScoring.DefaultMeasure, double countWeight = 100) : PerCandidateScoring
{
    public const string DefaultMeasure = "ensemble-ce";

    public override string Name => "uga-paper";

    public override string Description => $"{countWeight:0.##}·count({measure} > 0.8·patch max) + sum (Khalili et al. seed code)";

    public override double ScoreOne(Candidate candidate)
    {
        var s = candidate.Measure(measure);
        return (countWeight * s.PatchCount) + s.Sum;
    }
}

/// <summary>The paper's formula with the threshold fixed per slide or per pool, so the count measures how much uncertainty there is.</summary>
public sealed class GlobalThresholdScoring(
    string measure = PaperScoring.DefaultMeasure, GlobalScope scope = GlobalScope.Pool, double countWeight = 100) : PerCandidateScoring
{
    public override string Name => "uga-global";

    public override string Description =>
        $"{countWeight:0.##}·count({measure} > 0.8·{(scope == GlobalScope.Pool ? "pool" : "slide")} max) + sum";

    public override double ScoreOne(Candidate candidate)
    {
        var s = candidate.Measure(measure);
        if (scope == GlobalScope.Pool && s.PoolCount < 0)
            throw new InvalidOperationException("pool counts were not measured: lay the grid with GridOptions.PoolCounts");
        return (countWeight * (scope == GlobalScope.Pool ? s.PoolCount : s.SlideCount)) + s.Sum;
    }
}

/// <summary>Σ u over the patch of any measure map (ensemble-ce, entropy, mutual-information, variance).</summary>
public sealed class UncertaintySumScoring(string measure = PaperScoring.DefaultMeasure, string name = "uncertainty-sum") : PerCandidateScoring
{
    public override string Name => name;

    public override string Description => $"sum of {measure} over the patch";

    public override double ScoreOne(Candidate candidate) => candidate.Measure(measure).Sum;
}

/// <summary>Mean u over the patch's map pixels: independent of how many map pixels the patch covers.</summary>
public sealed class UncertaintyMeanScoring(string measure = PaperScoring.DefaultMeasure, string name = "uncertainty-mean") : PerCandidateScoring
{
    public override string Name => name;

    public override string Description => $"mean of {measure} over the patch";

    public override double ScoreOne(Candidate candidate) => candidate.Measure(measure).Mean;
}

/// <summary>
/// Uniform random scores, deterministic per seed. The score is a hash of (seed, slide, position), not a draw from a
/// sequence, so it does not change when the pool is reordered or filtered.
/// </summary>
public sealed class RandomScoring(int seed) : PerCandidateScoring
{
    public override string Name => "random";

    public override string Description => $"uniform random (seed {seed})";

    public override double ScoreOne(Candidate candidate)
    {
        ulong h = StableHash.Mix((ulong)(uint)seed);
        h = StableHash.Mix(h ^ StableHash.OfString(candidate.SlideId));
        h = StableHash.Mix(h ^ (uint)candidate.Region.X);
        h = StableHash.Mix(h ^ ((ulong)(uint)candidate.Region.Y << 32));
        return (h >> 11) * (1.0 / (1UL << 53));
    }
}
