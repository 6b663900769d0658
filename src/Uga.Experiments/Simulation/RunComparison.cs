using Uga.Imaging;

namespace Uga.Experiments.Simulation;

/// <summary>
/// One arm at one K in two runs of the same replicates (same seeds and folds, e.g. two fine-tuning recipes):
/// Dice of <c>other</c> minus Dice of <c>base</c>, paired per replicate.
/// </summary>
public sealed record PairedDifference(string Arm, int K, int Pairs, Spread Difference, Interval Ci, int Wins, int Unpaired);

/// <summary>
/// Compares two `uga simulate` runs replicate by replicate — protocol amendment 1's endpoint (a recipe's
/// uncertainty-sum at K = 10 minus the default recipe's, per seed and fold) — from their results.csv files alone.
/// Replicates present in one run only are counted, never paired with something else.
/// </summary>
public static class RunComparison
{
    /// <summary>A run's results.csv (or results.partial.csv); the class count is read from the header.</summary>
    public static IReadOnlyList<SimulationRow> Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "results file not found");
        var header = File.ReadLines(path).FirstOrDefault() ?? throw new InvalidInputException(path, "empty results file");
        int classes = CsvLine.Split(header, path, 1).Length - 15; // 7 leading, per-class Dice, mean, 6 choice, seconds
        if (classes < 1) throw new InvalidInputException(path, "is not a `uga simulate` results file (too few columns)");
        return SimulationResume.Read(path, classes);
    }

    /// <summary>Every arm and K found in both runs, paired by (seed, fold).</summary>
    public static IReadOnlyList<PairedDifference> Compare(IReadOnlyList<SimulationRow> baseRows, IReadOnlyList<SimulationRow> otherRows)
    {
        var arms = baseRows.Select(r => (r.Arm, r.K)).Intersect(otherRows.Select(r => (r.Arm, r.K))).ToList();
        return [.. arms.Select(a => Compare(baseRows, otherRows, a.Arm, a.K))];
    }

    public static PairedDifference Compare(IReadOnlyList<SimulationRow> baseRows, IReadOnlyList<SimulationRow> otherRows, string arm, int k)
    {
        Dictionary<(int, int), double> Of(IEnumerable<SimulationRow> rows)
        {
            var mine = rows.Where(r => r.Arm == arm && r.K == k).ToList();
            if (mine.GroupBy(r => (r.Seed, r.Fold)).FirstOrDefault(g => g.Count() > 1) is { } twice)
                throw new InvalidInputException(null, $"arm {arm} K={k} has seed {twice.Key.Seed} fold {twice.Key.Fold} twice in one run");
            return mine.ToDictionary(r => (r.Seed, r.Fold), r => r.MeanDice);
        }
        var before = Of(baseRows);
        var after = Of(otherRows);
        var differences = before.Keys.Intersect(after.Keys).Order().Select(key => after[key] - before[key]).ToList();
        int unpaired = before.Count + after.Count - (2 * differences.Count);
        return new PairedDifference(arm, k, differences.Count, Spread.Of(differences), Interval.BootstrapMean(differences),
            differences.Count(d => d > 0), unpaired);
    }
}
