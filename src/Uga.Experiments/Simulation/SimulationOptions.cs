using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Ranking;

namespace Uga.Experiments.Simulation;

/// <summary>
/// Everything `uga simulate` runs with: the paper's experiment with the reference masks as the pathologist.
/// Lengths are pixels at <see cref="SpacingUm"/> (the model's spacing). Two presets: <see cref="Quick"/> (minutes,
/// for tests; numbers not meaningful) and <see cref="Default"/> (five seeds, small U-Nets, each replicate compared
/// with a K = 0 control fine-tuned the same way on the same fold).
/// </summary>
public sealed record SimulationOptions
{
    public required string SourceDir { get; init; }
    public IReadOnlyList<CaseFilter> SourceWhere { get; init; } = [];

    /// <summary>µm/px of the source images; null = the spacing_um column of its cases.csv.</summary>
    public double? SourceSpacingUm { get; init; }

    /// <summary>A dataset folder (images/, masks/) or a folder of slides each with a FILE.labels.tif reference.</summary>
    public required string TargetDir { get; init; }

    public IReadOnlyList<CaseFilter> TargetWhere { get; init; } = [];

    /// <summary>µm/px of the target images or slides; null = cases.csv spacing_um (datasets) or the file's own (slides).</summary>
    public double? TargetSpacingUm { get; init; }

    /// <summary>cases.csv column whose value keeps cases together in one fold (e.g. patient); null = each case alone.</summary>
    public string? GroupBy { get; init; }

    public required string OutDir { get; init; }

    public string Preset { get; init; } = "default";

    /// <summary>Target groups are split into this many parts; in fold f part f is evaluated, the rest is the pool.</summary>
    public int Folds { get; init; } = 2;

    /// <summary>Seeds of the baseline training, fine-tuning and random strategy; every (seed, fold) is one replicate.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [1, 2, 3, 4, 5];

    /// <summary>Annotated patches per arm (a K = 0 control is always added).</summary>
    public IReadOnlyList<int> Ks { get; init; } = [5, 10];

    /// <summary>What K counts; null = per slide for slide targets, in total for tile datasets (see docs).</summary>
    public KMode? KMode { get; init; }

    /// <summary>Shift each chosen patch by up to this fraction of its size, as the paper's script does with 1.</summary>
    public double Jitter { get; init; }

    public IReadOnlyList<string> Strategies { get; init; } = ["uga-paper", "uncertainty-sum", "diverse", "random"];

    /// <summary>Sample K by Gumbel noise of scale 1/β instead of top-K (every strategy that takes it); null = top-K.</summary>
    public double? StochasticBeta { get; init; }

    /// <summary>Uncertainty measure the strategies read (uga-paper and mutual-information fix their own).</summary>
    public string Measure { get; init; } = PaperScoring.DefaultMeasure;

    /// <summary>Class names, background first; null = "background", "class1", ... from the source masks.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    public double SpacingUm { get; init; } = 1.0;

    /// <summary>Training patch and candidate patch side (pixels at <see cref="SpacingUm"/>).</summary>
    public int PatchSize { get; init; } = 128;

    /// <summary>Candidate grid step; null = half a patch (a finer grid; chosen patches still never overlap, see <see cref="MinDistanceUm"/>).</summary>
    public int? StridePx { get; init; }

    /// <summary>Chosen patch centres on one slide at least this far apart; null = one patch side, so picks never overlap.</summary>
    public double? MinDistanceUm { get; init; }

    public double MinTissueFraction { get; init; } = 0.5;

    public int Members { get; init; } = 3;
    /// <summary>Small U-Nets (depth 3, 8 base channels, batch norm, dropout 0.1) so a run fits the CPU budget.</summary>
    public UNetOptions Architecture { get; init; } = TrainingOptions.DefaultArchitecture with { Depth = 3, BaseChannels = 8 };
    public int BatchSize { get; init; } = 8;
    public int Steps { get; init; } = 240;
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>How every arm and the control are fine-tuned: the workspace's recipe (its augmentation follows <see cref="StainAugmentation"/>).</summary>
    public FineTuneRecipe FineTune { get; init; } = new();

    public bool StainAugmentation { get; init; } = true;

    public int? Threads { get; init; } = 1;

    /// <summary>Add the label-free arms: the baseline and every fine-tuned arm after BatchNorm re-estimation on the pool.</summary>
    public bool Adapt { get; init; }

    /// <summary>Keep the replicates already in results.partial.csv (same command) and run only the others.</summary>
    public bool Resume { get; init; }

    public string? CommandLine { get; init; }
    public IProgress<WorkProgress>? Progress { get; init; }
    public CancellationToken Cancellation { get; init; }

    public int Stride => StridePx ?? Math.Max(1, PatchSize / 2);

    public double MinDistance => MinDistanceUm ?? PatchSize * SpacingUm;

    /// <summary>Seconds to minutes: 2 seeds, 2 members, tiny networks, a few steps. For tests and smoke runs.</summary>
    public static SimulationOptions Quick(SimulationOptions o) => o with
    {
        Preset = "quick",
        Seeds = [1, 2],
        Members = 2,
        Architecture = TrainingOptions.DefaultArchitecture with { Depth = 2, BaseChannels = 4 },
        PatchSize = 64,
        BatchSize = 4,
        Steps = 12,
        FineTune = o.FineTune with { Steps = 4 },
        Ks = [2, 4],
        Strategies = ["uga-paper", "uncertainty-sum", "random"],
    };

    public void Validate()
    {
        static void Require(bool ok, string problem)
        {
            if (!ok) throw new InvalidInputException(null, problem);
        }
        Require(!string.IsNullOrWhiteSpace(OutDir), "output folder must be given");
        Require(Folds >= 2, $"folds must be at least 2 (one part evaluated, the rest annotated), got {Folds}");
        Require(Seeds.Count >= 1 && Seeds.Distinct().Count() == Seeds.Count, "seeds must be given once each");
        Require(Ks.Count >= 1 && Ks.All(k => k >= 1) && Ks.Distinct().Count() == Ks.Count, "K values must be distinct and at least 1 (K = 0 is the control, always run)");
        Require(Strategies.Count >= 1 && Strategies.Distinct(StringComparer.OrdinalIgnoreCase).Count() == Strategies.Count, "give each strategy once");
        Require(Jitter is >= 0 and <= 1, $"jitter must be in [0, 1], got {Jitter}");
        Require(MinTissueFraction is >= 0 and <= 1, $"minimum tissue fraction must be in [0, 1], got {MinTissueFraction}");
        Require(MinDistanceUm is null or >= 0, $"minimum distance must be >= 0, got {MinDistanceUm}");
        FineTune.Validate();
        Require(GroupBy is null || GroupBy.Trim().Length > 0, "--group-by needs a column name");
        foreach (var s in Strategies) RankingStrategies.Create(s, new StrategyOptions { StochasticBeta = StochasticBeta });
        if (Adapt) Require(Architecture.Normalisation == "batch", "--adapt re-estimates BatchNorm statistics; the model must use batch normalisation");
        Uga.Inference.Uncertainty.UncertaintyMeasures.Get(Measure);
        BaselineTraining(Seeds[0], []).Validate();
    }

    /// <summary>The baseline's training options for one seed: from scratch on the (already loaded) source.</summary>
    internal TrainingOptions BaselineTraining(int seed, IReadOnlyList<SegmentationSample> source) => new()
    {
        ExtraSamples = source,
        DataDir = source.Count == 0 ? SourceDir : null,
        ClassNames = ClassNames,
        SpacingUm = SpacingUm,
        PatchSize = PatchSize,
        Architecture = Architecture,
        Members = Members,
        Steps = Steps,
        BatchSize = BatchSize,
        LearningRate = LearningRate,
        Seed = seed,
        Threads = Threads,
        Augmentation = Augmentation,
    };

    /// <summary>Flips, rotations and scale always; stain jitter when <see cref="StainAugmentation"/>.</summary>
    internal AugmentationOptions Augmentation => StainAugmentation ? new AugmentationOptions() : new AugmentationOptions { StainScale = 0, StainShift = 0 };

    /// <summary>The candidate grid every replicate lays over its pool.</summary>
    internal GridOptions Grid => new() { PatchSizePx = PatchSize, SpacingUm = SpacingUm, StridePx = Stride, MinTissueFraction = MinTissueFraction };

    /// <summary>How <paramref name="strategy"/> chooses K patches in one replicate (a small pool returns what it has, with a warning).</summary>
    internal RankSettings RankSettings(string strategy, int k, KMode mode, int seed) => new()
    {
        Grid = Grid,
        Strategy = strategy,
        StrategyOptions = new StrategyOptions { Measure = Measure, Seed = seed, StochasticBeta = StochasticBeta },
        Selection = new SelectionOptions
        {
            K = k,
            Mode = mode,
            MinCentreDistanceUm = MinDistance,
            JitterFraction = Jitter,
            Seed = seed,
            Shortfall = ShortfallPolicy.ReturnAllWithWarning,
        },
    };

    /// <summary>The recipe as run: <see cref="FineTune"/> with the batch size and augmentation of the baseline.</summary>
    internal FineTuneRecipe Recipe => FineTune with { BatchSize = BatchSize, Augmentation = Augmentation };
}
