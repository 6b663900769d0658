namespace Uga.Experiments.Simulation;

/// <summary>Mean and sample standard deviation of a set of replicate values (NaN values skipped).</summary>
public readonly record struct Spread(double Mean, double Sd, int N)
{
    public static Spread Of(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).ToArray();
        if (v.Length == 0) return new Spread(double.NaN, double.NaN, 0);
        double mean = v.Average();
        double sd = v.Length < 2 ? double.NaN : Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
        return new Spread(mean, sd, v.Length);
    }
}

/// <summary>Percentile bootstrap 95 % confidence interval of a mean (10,000 resamples, fixed seed: reproducible).</summary>
public readonly record struct Interval(double Lo, double Hi)
{
    public bool ExcludesZero => Lo > 0 || Hi < 0;

    public static Interval BootstrapMean(IEnumerable<double> values, int resamples = 10_000, int seed = 20261130)
    {
        var v = values.Where(double.IsFinite).ToArray();
        if (v.Length < 2) return new Interval(double.NaN, double.NaN);
        var rng = new Random(seed);
        var means = new double[resamples];
        for (int b = 0; b < resamples; b++)
        {
            double sum = 0;
            for (int i = 0; i < v.Length; i++) sum += v[rng.Next(v.Length)];
            means[b] = sum / v.Length;
        }
        Array.Sort(means);
        return new Interval(means[(int)(0.025 * (resamples - 1))], means[(int)Math.Ceiling(0.975 * (resamples - 1))]);
    }
}

/// <summary>
/// One arm summarised over replicates. Gains are paired: each replicate's Dice minus the same seed and fold's
/// control (K = 0, fine-tuned the same way) or random arm at the same K, so split and seed effects cancel.
/// </summary>
public sealed record ArmSummary(
    string Arm, string? Strategy, int K, double Patches, Spread Dice, Spread[] ClassDice, Spread GainOverControl, Spread GainOverBaseline,
    Spread GainOverRandom, Interval GainOverRandomCi, int WinsOverRandom, Spread BaselineDiceOnChosen, Spread ChosenErrorFraction, Spread PoolErrorFraction,
    Spread WorstFound, Spread Spearman, Spread Slides);

public static class SimulationSummary
{
    public const string RandomStrategy = "random";

    /// <summary>Baseline, control, then each strategy by K in the order they were run.</summary>
    public static IReadOnlyList<ArmSummary> Summarise(SimulationResult result)
    {
        var rows = result.Rows;
        var byReplicate = rows.ToLookup(r => (r.Seed, r.Fold));
        double Paired(SimulationRow r, Func<SimulationRow, bool> other)
        {
            var match = byReplicate[(r.Seed, r.Fold)].FirstOrDefault(other);
            return match is null ? double.NaN : r.MeanDice - match.MeanDice;
        }
        var arms = rows.Select(r => (r.Arm, r.K)).Distinct().ToList();
        var list = new List<ArmSummary>();
        foreach (var (arm, k) in arms)
        {
            var mine = rows.Where(r => r.Arm == arm && r.K == k).ToList();
            // Every arm with patches (adapt+ arms too) against plain random patches of the same replicate and K.
            var gainsRandom = mine.Select(r => r.K == 0 || r.Arm == RandomStrategy ? double.NaN : Paired(r, x => x.Arm == RandomStrategy && x.K == k)).ToList();
            list.Add(new ArmSummary(
                arm, mine[0].Strategy, k, mine.Average(r => r.Patches),
                Spread.Of(mine.Select(r => r.MeanDice)),
                [.. Enumerable.Range(0, result.ClassNames.Count).Select(c => Spread.Of(mine.Select(r => r.Dice[c])))],
                Spread.Of(mine.Select(r => arm == SimulationRow.BaselineArm ? double.NaN : Paired(r, x => x.Arm == SimulationRow.ControlArm))),
                Spread.Of(mine.Select(r => arm == SimulationRow.BaselineArm ? double.NaN : Paired(r, x => x.Arm == SimulationRow.BaselineArm))),
                Spread.Of(gainsRandom),
                Interval.BootstrapMean(gainsRandom),
                gainsRandom.Count(g => g > 0),
                Spread.Of(mine.Select(r => r.Choice?.BaselineDiceOnChosen ?? double.NaN)),
                Spread.Of(mine.Select(r => r.Choice?.ChosenErrorFraction ?? double.NaN)),
                Spread.Of(mine.Select(r => r.Choice?.PoolErrorFraction ?? double.NaN)),
                Spread.Of(mine.Select(r => r.Choice?.WorstFound ?? double.NaN)),
                Spread.Of(mine.Select(r => r.Choice?.Spearman ?? double.NaN)),
                Spread.Of(mine.Select(r => (double?)r.Choice?.Slides ?? double.NaN))));
        }
        return list;
    }
}
