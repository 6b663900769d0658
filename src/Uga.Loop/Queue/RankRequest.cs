using Uga.Annotations;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Ranking;

namespace Uga.Loop.Queue;

/// <summary>
/// Everything `uga rank` needs: the model, the pool (whole slides or a dataset folder of tile images), how the
/// candidate grid is laid, the strategy and how many patches to choose, and where the export goes.
/// Lengths are in pixels at <see cref="PatchSpacingUm"/> unless said otherwise.
/// </summary>
public sealed record RankRequest
{
    public required string ModelDir { get; init; }

    /// <summary>Whole-slide files (any format <c>SlideFactory.Open</c> reads); exclusive with <see cref="DataDir"/>.</summary>
    public IReadOnlyList<string> SlidePaths { get; init; } = [];

    /// <summary>Dataset folder (images/, optional masks/, optional cases.csv); exclusive with <see cref="SlidePaths"/>.</summary>
    public string? DataDir { get; init; }

    /// <summary>cases.csv conditions for <see cref="DataDir"/>, all of which must hold.</summary>
    public IReadOnlyList<CaseFilter> Where { get; init; } = [];

    /// <summary>µm/px of the dataset images; null = the spacing_um column of cases.csv.</summary>
    public double? DataSpacingUm { get; init; }

    /// <summary>µm/px of the slides' level 0, replacing the files' own (needed for slides without one).</summary>
    public double? SlideSpacingUm { get; init; }

    /// <summary>Folder the export is written into (created if missing).</summary>
    public required string OutDir { get; init; }

    /// <summary>
    /// Where prediction artifacts are found and stored (SLIDE-STEM.prediction.zarr); null = OutDir/maps. A current
    /// artifact (same model, same slide bytes) is ranked without predicting again.
    /// </summary>
    public string? ArtifactsDir { get; init; }

    public required int K { get; init; }

    /// <summary>Strategy by name; null = the default, settled per model by <see cref="ForModel"/>.</summary>
    public string? Strategy { get; init; }

    /// <summary>
    /// Default: clue, chosen by the pre-registered rule (docs/results/protocol.md, rule 2) over its five settings
    /// (docs/results/comparison): the only strategy significantly better than random patches anywhere (under the
    /// second lab's stain on GlaS) and significantly worse nowhere. The paper's uga-paper is kept by name for faithful
    /// reproduction.
    /// </summary>
    public const string DefaultStrategy = "clue";

    /// <summary>
    /// The default for a model whose bottleneck cannot be pooled (ONNX): class-stratified, never significantly worse
    /// than random and the largest mean gain among the strategies that need no embeddings (rule 3).
    /// </summary>
    public const string FallbackStrategy = "class-stratified";

    /// <summary>The strategy asked for, or the default; <see cref="ForModel"/> settles it once the model is known.</summary>
    public string StrategyName => Strategy ?? DefaultStrategy;

    /// <summary>
    /// This request with its strategy settled for a model: the default falls back to <see cref="FallbackStrategy"/>
    /// (with a note) when the model exposes no bottleneck to pool; a strategy asked for by name is kept, so one that
    /// needs embeddings still refuses an ONNX model in one line.
    /// </summary>
    public RankRequest ForModel(bool poolsBottleneck, ICollection<string> notes)
    {
        if (Strategy is not null || poolsBottleneck || !RankingStrategies.NeedsEmbeddings(DefaultStrategy))
            return this with { Strategy = StrategyName };
        notes.Add($"the default strategy {DefaultStrategy} pools the U-Net's bottleneck, which this model does not expose: ranked with {FallbackStrategy}");
        return this with { Strategy = FallbackStrategy };
    }

    /// <summary>Sample the K patches with Gumbel noise of scale 1/β instead of taking the top-K; null = top-K.</summary>
    public double? StochasticBeta { get; init; }

    /// <summary>Uncertainty measure the strategy reads (uga-paper and mutual-information fix their own).</summary>
    public string Measure { get; init; } = PaperScoring.DefaultMeasure;

    /// <summary>Candidate patch side in pixels at <see cref="PatchSpacingUm"/>.</summary>
    public int PatchSizePx { get; init; } = 256;

    /// <summary>Spacing of the candidate grid; null = the model's spacing.</summary>
    public double? PatchSpacingUm { get; init; }

    /// <summary>Grid step; null = the patch size (no overlap).</summary>
    public int? StridePx { get; init; }

    public double MinTissueFraction { get; init; } = 0.5;

    public KMode KMode { get; init; } = KMode.Total;

    public double MinDistanceUm { get; init; }

    public int? MaxPerSlide { get; init; }

    public double Jitter { get; init; }

    public int Seed { get; init; }

    /// <summary>Put the model's prediction inside each candidate as editable, classed polygons.</summary>
    public bool PreAnnotate { get; init; }

    /// <summary>How pre-annotations are made fit for editing (speckle dropped, holes filled, outlines simplified).</summary>
    public OutlineCleanupOptions PreAnnotationCleanup { get; init; } = new();

    /// <summary>Patches per forward pass.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Overlap of the prediction's patches (model pixels) when an artifact must be made; null = half the patch.</summary>
    public int? Overlap { get; init; }

    /// <summary>Predict missing artifacts with a <see cref="CascadeSource"/> of this threshold; null = the full ensemble.</summary>
    public double? CascadeThreshold { get; init; }

    /// <summary>Longest side of the preview PNGs.</summary>
    public int PreviewSize { get; init; } = 1024;

    /// <summary>
    /// Regions a pathologist was already asked about (e.g. earlier rounds' candidates); candidates overlapping them
    /// by more than <see cref="ExcludeMinOverlap"/> of their area are dropped before selection (<see cref="CandidateExclusion"/>).
    /// </summary>
    public IReadOnlyList<ExcludedRegion> ExcludeRegions { get; init; } = [];

    /// <summary>Fraction of a candidate's area inside <see cref="ExcludeRegions"/> above which it is dropped.</summary>
    public double ExcludeMinOverlap { get; init; } = CandidateExclusion.DefaultMinOverlap;

    public IProgress<WorkProgress>? Progress { get; init; }

    public CancellationToken Cancellation { get; init; }

    /// <summary>Checks everything that does not need the model or the pool, so mistakes fail before any prediction.</summary>
    public void Validate()
    {
        new PredictOptions { BatchSize = BatchSize, Overlap = Overlap, CascadeThreshold = CascadeThreshold }.Validate();
        bool slides = SlidePaths.Count > 0, data = DataDir is not null;
        if (slides == data)
            throw new InvalidInputException(null, slides ? "give either slides or a dataset folder, not both" : "nothing to rank: give slide files or a dataset folder");
        if (!data && (Where.Count > 0 || DataSpacingUm is not null))
            throw new InvalidInputException(null, "dataset filters and data spacing only apply to a dataset folder");
        if (K < 1) throw new InvalidInputException(null, $"K must be at least 1, got {K}");
        if (PatchSizePx < 1) throw new InvalidInputException(null, $"patch size must be positive, got {PatchSizePx}");
        if (StridePx is < 1) throw new InvalidInputException(null, $"stride must be positive, got {StridePx}");
        if (PatchSpacingUm is { } s && !(s > 0 && double.IsFinite(s)))
            throw new InvalidInputException(null, $"patch spacing must be a positive number of µm/px, got {s}");
        if (MinTissueFraction is < 0 or > 1 || double.IsNaN(MinTissueFraction))
            throw new InvalidInputException(null, $"minimum tissue fraction must be in [0, 1], got {MinTissueFraction}");
        if (BatchSize < 1) throw new InvalidInputException(null, $"batch size must be at least 1, got {BatchSize}");
        if (PreviewSize < 16) throw new InvalidInputException(null, $"preview size must be at least 16 px, got {PreviewSize}");
        Uga.Inference.Uncertainty.UncertaintyMeasures.Get(Measure);
        // Checked here, not where ranking starts, so a cluster unit or `uga cluster` refuses them before any work.
        if (RankedMeasure() == RankingStrategies.BaselineErrorMeasure)
            throw new InvalidInputException(null, "the oracle strategy ranks by the baseline's true error, which needs reference masks: it exists only in `uga simulate`");
        if (CreateStrategy().Name == "density-ratio")
            throw new InvalidInputException(null, "density-ratio compares with embeddings of the source training patches: it exists only in `uga simulate` for now");
        Uga.Inference.Uncertainty.UncertaintyMeasures.Get(RankedMeasure());
        CandidateSelector.Validate(SelectionOptions());
        CandidateExclusion.Validate(ExcludeRegions, ExcludeMinOverlap);
    }

    /// <summary>The grid, strategy and selection of this request for a model at <paramref name="modelSpacingUm"/>.</summary>
    public RankSettings Settings(double modelSpacingUm) => new()
    {
        Grid = GridOptions(modelSpacingUm),
        Strategy = StrategyName,
        StrategyOptions = new StrategyOptions { Measure = Measure, Seed = Seed, StochasticBeta = StochasticBeta },
        Selection = SelectionOptions(),
    };

    /// <summary>The uncertainty measure ranking reads: <see cref="Measure"/>, unless the strategy fixes its own.</summary>
    public string RankedMeasure() => RankingStrategies.MeasureFor(CreateStrategy().Name, Measure);

    public RankingStrategy CreateStrategy() =>
        RankingStrategies.Create(StrategyName, new StrategyOptions { Measure = Measure, Seed = Seed, StochasticBeta = StochasticBeta });

    public SelectionOptions SelectionOptions() => new()
    {
        K = K,
        Mode = KMode,
        MinCentreDistanceUm = MinDistanceUm,
        MaxPerSlide = MaxPerSlide,
        JitterFraction = Jitter,
        Seed = Seed,
    };

    public GridOptions GridOptions(double modelSpacingUm) => new()
    {
        PatchSizePx = PatchSizePx,
        SpacingUm = PatchSpacingUm ?? modelSpacingUm,
        StridePx = StridePx,
        MinTissueFraction = MinTissueFraction,
        PoolCounts = RankingStrategies.NeedsPoolCounts(StrategyName),
    };
}

/// <summary>What `uga rank` chose and wrote.</summary>
public sealed record RankResult
{
    public required Selection Selection { get; init; }

    /// <summary>The uncertainty measure the maps hold.</summary>
    public required string Measure { get; init; }

    public required string StrategyName { get; init; }

    public required string StrategyDescription { get; init; }

    /// <summary>Candidates ranked (after the exclusion).</summary>
    public required int PoolSize { get; init; }

    /// <summary>Candidates dropped for overlapping <see cref="RankRequest.ExcludeRegions"/>.</summary>
    public int ExcludedCandidates { get; init; }

    /// <summary>Patch forwards through the networks (0 when every prediction artifact was reused).</summary>
    public long Forwards { get; init; }

    /// <summary>Slides or images whose stored prediction artifact was current and reused.</summary>
    public int ReusedPredictions { get; init; }

    /// <summary>Slides whose candidate features were read from their artifact (stored by a unit or an earlier ranking), not measured.</summary>
    public int StoredFeatures { get; init; }

    /// <summary>Every file written, in writing order.</summary>
    public required IReadOnlyList<string> Files { get; init; }

    /// <summary>Things the user should know (coarser maps read, measures ignored, shortfalls).</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    public required TimeSpan Elapsed { get; init; }
}
