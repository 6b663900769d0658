using Uga.Imaging;

namespace Uga.Ranking;

/// <summary>
/// Stochastic batch acquisition (Kirsch et al., arXiv 2106.12059): instead of the top-K of a score, the top-K of the
/// score perturbed with Gumbel noise, which samples K patches without replacement with probability ∝ score^β
/// (power sampling, for scores ≥ 0: log score + G/β) or ∝ exp(β·score) (softmax sampling, when a score is
/// negative: score + G/β). Large β approaches top-K; small β approaches random. The noise is a hash of
/// (seed, slide, position), so it does not depend on the pool's order.
/// </summary>
public sealed class StochasticScoring(IScoringMethod inner, int seed, double beta) : IScoringMethod
{
    public string Name => inner.Name;

    public string Description => $"{inner.Description}; sampled (Gumbel, β = {beta:0.##})";

    public double[] Score(IReadOnlyList<Candidate> pool) => Perturb(inner.Score(pool), pool, seed, beta);

    /// <summary>β must be a positive finite number: 0 would divide the noise by zero, ∞ would silently mean top-K.</summary>
    public static void RequireBeta(double beta)
    {
        if (!(beta > 0) || double.IsInfinity(beta)) throw new InvalidInputException(null, $"stochastic β must be a positive number, got {beta}");
    }

    public static double[] Perturb(double[] scores, IReadOnlyList<Candidate> pool, int seed, double beta)
    {
        RequireBeta(beta);
        bool power = scores.All(s => double.IsNaN(s) || s >= 0);
        var noise = new RandomScoring(seed);
        var result = new double[scores.Length];
        for (int i = 0; i < scores.Length; i++)
        {
            double u = Math.Clamp(noise.ScoreOne(pool[i]), 1e-12, 1 - 1e-12);
            double gumbel = -Math.Log(-Math.Log(u));
            double s = power ? Math.Log(Math.Max(scores[i], 1e-300)) : scores[i];
            result[i] = s + (gumbel / beta);
        }
        return result;
    }
}
