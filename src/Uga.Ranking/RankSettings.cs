namespace Uga.Ranking;

/// <summary>
/// Everything that decides which candidates are chosen, as one value: how the grid is laid, which strategy scores
/// it (and its options), and how K patches are picked (K mode, quotas, minimum distance, jitter). `uga rank`, the
/// workspace, the demo and `uga simulate` each build one and run it through <see cref="Rank"/>, so none can drop
/// an option the others honour.
/// </summary>
public sealed record RankSettings
{
    public required GridOptions Grid { get; init; }
    public required string Strategy { get; init; }
    public StrategyOptions StrategyOptions { get; init; } = new();
    public required SelectionOptions Selection { get; init; }

    public RankingStrategy CreateStrategy() => RankingStrategies.Create(Strategy, StrategyOptions);

    /// <summary>The pool-wide phase: reduce the slides' features to candidates, then score and choose.</summary>
    public Selection Rank(IReadOnlyList<SlideFeatures> slides) =>
        CandidateSelector.Select(CandidateGrid.Reduce(slides, Grid), CreateStrategy(), Selection);

    /// <summary>Scores and chooses from a pool already reduced (e.g. after dropping candidates asked about before).</summary>
    public Selection Choose(IReadOnlyList<Candidate> pool) => CandidateSelector.Select(pool, CreateStrategy(), Selection);
}
