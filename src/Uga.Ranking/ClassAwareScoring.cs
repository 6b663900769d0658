using Uga.Imaging;

namespace Uga.Ranking;

/// <summary>
/// A scoring method that ranks the pool several ways at once (one view per class and one overall); selection then
/// takes the best remaining candidate of each view in turn, so the budget is shared between the views.
/// The last view is the overall one: <see cref="IScoringMethod.Score"/> returns it, and the selector, which asks for the
/// views, shows it as the candidate's score without scoring twice.
/// </summary>
public interface IMultiViewScoring : IScoringMethod
{
    double[][] Views(IReadOnlyList<Candidate> pool);
}

/// <summary>
/// The strong baseline of nnActive (arXiv 2511.19183): random order among candidates where the baseline predicts
/// some foreground (more than 1 % of the patch not class 0), then random among the rest, so a shortfall of
/// foreground patches is filled rather than failing.
/// </summary>
public sealed class ForegroundRandomScoring(int seed) : PerCandidateScoring
{
    /// <summary>Below this predicted-foreground share a patch counts as background (a few stray pixels are noise).</summary>
    public const double MinForegroundShare = 0.01;

    private readonly RandomScoring random = new(seed);

    public override string Name => "foreground-random";

    public override string Description => $"uniform random among patches with predicted foreground > {MinForegroundShare:P0} (seed {seed})";

    public override double ScoreOne(Candidate candidate)
    {
        double foreground = 1 - ClassMaps.LabelHistogram(candidate)[0];
        return random.ScoreOne(candidate) + (foreground > MinForegroundShare ? 1 : 0);
    }
}

/// <summary>
/// Region impurity × uncertainty (RIPU, Xie et al. CVPR 2022): the entropy of the predicted-label histogram in the
/// patch times the patch's mean uncertainty, so patches on class boundaries that the ensemble is unsure of win.
/// </summary>
public sealed class ImpurityScoring(string measure) : PerCandidateScoring
{
    public override string Name => "impurity";

    public override string Description => $"entropy of the predicted-label histogram × mean {measure} (RIPU)";

    public override double ScoreOne(Candidate candidate)
    {
        double impurity = 0;
        foreach (double share in ClassMaps.LabelHistogram(candidate))
            if (share > 0) impurity -= share * Math.Log(share);
        return impurity * candidate.Measure(measure).Mean;
    }
}

/// <summary>
/// Class-stratified predictive entropy (ClaSP PE, arXiv 2601.13677): one view per foreground class c ranks patches
/// by the patch mean of H(p̄)·p̄_c, one more by the plain mean entropy; the budget goes round-robin over the views,
/// so rare classes get patches even when the common class holds most of the entropy. Gumbel noise (scale 1/β,
/// <see cref="StochasticScoring"/>) is added to every view.
/// </summary>
public sealed class ClassStratifiedScoring(int seed, double beta) : IMultiViewScoring
{
    public string Name => "class-stratified";

    public string Description => $"round-robin over foreground classes of mean H(p̄)·p̄_c, plus plain entropy; Gumbel noise 1/β, β = {beta:0.##}";

    public double[] Score(IReadOnlyList<Candidate> pool) => Views(pool)[^1];

    public double[][] Views(IReadOnlyList<Candidate> pool)
    {
        var perClass = pool.Select(ClassMaps.ClassEntropy).ToArray();
        int classes = perClass.Length == 0 ? 0 : perClass[0].Length;
        var views = new double[classes][];
        for (int c = 1; c < classes; c++) views[c - 1] = [.. perClass.Select(e => e[c])];
        views[^1] = [.. perClass.Select(e => e.Sum())];
        return [.. views.Select((v, i) => StochasticScoring.Perturb(v, pool, seed + (7919 * i), beta))];
    }
}
