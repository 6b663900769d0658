using Uga.Imaging;

namespace Uga.Ranking;

/// <summary>A named ranking strategy: how candidates are scored and how the top-K are spread (grouping).</summary>
public sealed record RankingStrategy(string Name, string Description, IScoringMethod Scoring, ICandidateGrouping Grouping);

/// <summary>Options shared by the strategies; each strategy reads the ones it needs.</summary>
public sealed record StrategyOptions
{
    /// <summary>Measure read by uga-global, uncertainty-sum/-mean and the diverse strategies (uga-paper is pinned to ensemble-ce).</summary>
    public string Measure { get; init; } = PaperScoring.DefaultMeasure;

    /// <summary>Seed for random scores and k-means.</summary>
    public int Seed { get; init; }

    /// <summary>Maximum taken for uga-global's threshold; Pool makes scores comparable across slides.</summary>
    public GlobalScope GlobalScope { get; init; } = GlobalScope.Pool;

    /// <summary>Clusters for diverse-cluster; null = as many as candidates to choose.</summary>
    public int? Clusters { get; init; }

    /// <summary>Embeddings of source training patches, for density-ratio (null: that strategy cannot run).</summary>
    public IReadOnlyList<float[]>? SourceEmbeddings { get; init; }

    /// <summary>Sample with Gumbel noise of scale 1/β instead of taking the top-K (<see cref="StochasticScoring"/>); null = top-K.</summary>
    public double? StochasticBeta { get; init; }
}

/// <summary>
/// The registry of strategies by name (like MONAI Label's scoring methods / strategies). Unknown names are an
/// input error listing the valid ones. "uga-paper" is the paper's seed code exactly: ensemble-ce, weight 100, and
/// the grid's count factor (0.8 unless <see cref="GridOptions.CountThresholdFactor"/> was changed).
/// </summary>
public static class RankingStrategies
{
    public const string MutualInformationMeasure = "mutual-information";

    /// <summary>The map `uga simulate` supplies for the oracle: 1 where the baseline's label is wrong.</summary>
    public const string BaselineErrorMeasure = "baseline-error";

    // Strategies that read the per-class maps (ClassMaps) besides, or instead of, an uncertainty measure.
    private static readonly string[] ClassAware = ["foreground-random", "class-stratified", "impurity"];

    // Strategies that read the candidates' patch embeddings.
    private static readonly string[] EmbeddingBased = ["clue", "typical", "density-ratio"];

    private static readonly (string Name, Func<StrategyOptions, RankingStrategy> Create)[] Registry =
    [
        ("uga-paper", _ => Plain(new PaperScoring(PaperScoring.DefaultMeasure))),
        ("uga-global", o => Plain(new GlobalThresholdScoring(o.Measure, o.GlobalScope))),
        ("uncertainty-sum", o => Plain(new UncertaintySumScoring(o.Measure))),
        ("uncertainty-mean", o => Plain(new UncertaintyMeanScoring(o.Measure))),
        ("mutual-information", _ => Plain(new UncertaintySumScoring(MutualInformationMeasure, "mutual-information"))),
        ("random", o => Plain(new RandomScoring(o.Seed))),
        ("foreground-random", o => Plain(new ForegroundRandomScoring(o.Seed))),
        ("class-stratified", o => Plain(new ClassStratifiedScoring(o.Seed, o.StochasticBeta ?? 1))),
        ("impurity", o => Plain(new ImpurityScoring(o.Measure))),
        ("oracle", _ => Plain(new UncertaintyMeanScoring(BaselineErrorMeasure, "oracle"))),
        ("clue", o => new RankingStrategy("clue", $"uncertainty-weighted k-means of patch embeddings ({o.Measure}), the patch nearest each centre (CLUE)",
            new UncertaintyMeanScoring(o.Measure), new ClueGrouping(o.Measure, o.Seed))),
        ("typical", o => new RankingStrategy("typical", "k-means of patch embeddings, the most typical patch of each cluster (TypiClust)",
            new UncertaintyMeanScoring(o.Measure), new TypicalGrouping(o.Seed))),
        ("density-ratio", o => Plain(new DensityRatioScoring(o.SourceEmbeddings))),
        ("diverse", o => new RankingStrategy("diverse",
            $"sum of {o.Measure}, round-robin over slides by their best remaining patch",
            new UncertaintySumScoring(o.Measure), new SlideGrouping())),
        ("diverse-cluster", o => new RankingStrategy("diverse-cluster",
            $"sum of {o.Measure}, most uncertain patch per k-means cluster of patch features (seed {o.Seed})",
            new UncertaintySumScoring(o.Measure), new ClusterGrouping(o.Seed, o.Clusters))),
    ];

    public static IReadOnlyList<string> Names { get; } = [.. Registry.Select(r => r.Name)];

    public static RankingStrategy Create(string name, StrategyOptions? options = null)
    {
        if (options?.Clusters is < 1) throw new InvalidInputException(null, $"cluster count must be at least 1, got {options.Clusters}");
        if (options?.StochasticBeta is { } beta) StochasticScoring.RequireBeta(beta);
        foreach (var (n, create) in Registry)
        {
            if (!string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) continue;
            var o = options ?? new StrategyOptions();
            var strategy = create(o);
            // class-stratified has its noise built in; random orders are already samples.
            bool sampled = o.StochasticBeta is not null && n is not ("class-stratified" or "random" or "foreground-random");
            return sampled ? strategy with { Scoring = new StochasticScoring(strategy.Scoring, o.Seed, o.StochasticBeta!.Value) } : strategy;
        }
        throw new InvalidInputException(null, $"unknown ranking strategy '{name}'; valid strategies: {string.Join(", ", Names)}");
    }

    /// <summary>
    /// The uncertainty measure strategy <paramref name="name"/> reads: uga-paper is pinned to ensemble-ce and
    /// mutual-information to its own measure; the others read <paramref name="measure"/> (random reads none but its
    /// candidates still carry <paramref name="measure"/>'s features).
    /// </summary>
    public static string MeasureFor(string name, string measure) => name.ToLowerInvariant() switch
    {
        "uga-paper" => PaperScoring.DefaultMeasure,
        "mutual-information" => MutualInformationMeasure,
        "oracle" => BaselineErrorMeasure,
        _ => measure,
    };

    /// <summary>True when strategy <paramref name="name"/> reads the per-class maps of <see cref="ClassMaps"/>.</summary>
    public static bool NeedsClassMaps(string name) => ClassAware.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>True when strategy <paramref name="name"/> reads counts above the pool's maximum (<see cref="GridOptions.PoolCounts"/>).</summary>
    public static bool NeedsPoolCounts(string name) => string.Equals(name, "uga-global", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when strategy <paramref name="name"/> reads the candidates' patch embeddings.</summary>
    public static bool NeedsEmbeddings(string name) => EmbeddingBased.Contains(name, StringComparer.OrdinalIgnoreCase);

    private static RankingStrategy Plain(IScoringMethod scoring) =>
        new(scoring.Name, scoring.Description, scoring, new NoGrouping());
}
