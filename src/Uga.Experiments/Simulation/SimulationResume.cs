using System.Globalization;
using Uga.Imaging;

namespace Uga.Experiments.Simulation;

/// <summary>
/// `uga simulate --resume`: the rows of the replicates results.partial.csv already holds, so a crash an hour into a
/// run costs the replicate it hit, not the run. A replicate counts only when every arm the options ask for is there.
/// </summary>
internal static class SimulationResume
{
    /// <summary>Rows of the complete replicates in the partial file; none when it is absent.</summary>
    public static IReadOnlyList<SimulationRow> Load(SimulationOptions o, int classCount)
    {
        var path = Path.Combine(o.OutDir, SimulationRunner.PartialResultsFile);
        if (!o.Resume || !File.Exists(path)) return [];
        var rows = Read(path, classCount);
        var expected = ExpectedArms(o);
        return [.. rows.GroupBy(r => (r.Seed, r.Fold))
            .Where(g => expected.All(a => g.Any(r => r.Arm == a.Arm && r.K == a.K)))
            .SelectMany(g => g)];
    }

    /// <summary>Every (arm, K) one replicate evaluates under <paramref name="o"/>.</summary>
    public static IReadOnlyList<(string Arm, int K)> ExpectedArms(SimulationOptions o)
    {
        var arms = new List<(string, int)> { (SimulationRow.BaselineArm, 0), (SimulationRow.ControlArm, 0) };
        if (o.Adapt) arms.AddRange([(SimulationRow.AdaptArm, 0), (SimulationRow.AdaptPrefix + SimulationRow.ControlArm, 0)]);
        foreach (var s in o.Strategies)
            foreach (int k in o.Ks)
            {
                arms.Add((s, k));
                if (o.Adapt) arms.Add((SimulationRow.AdaptPrefix + s, k));
            }
        return arms;
    }

    public static List<SimulationRow> Read(string path, int classCount)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new InvalidInputException(path, "empty partial results file");
        var header = CsvLine.Split(lines[0], path, 1);
        int expected = 7 + classCount + 1 + 6 + 1;
        if (header.Length != expected || header[0] != "fold")
            throw new InvalidInputException(path, $"header has {header.Length} columns, expected {expected} for {classCount} classes (a different run? remove the file or drop --resume)");
        var rows = new List<SimulationRow>();
        for (int n = 1; n < lines.Length; n++)
        {
            if (lines[n].Length == 0) continue;
            var c = CsvLine.Split(lines[n], path, n + 1);
            if (c.Length != expected) throw new InvalidInputException(path, $"line {n + 1} has {c.Length} columns, expected {expected}");
            double D(int i) => c[i].Length == 0 ? double.NaN : double.Parse(c[i], CultureInfo.InvariantCulture);
            int I(int i) => int.Parse(c[i], CultureInfo.InvariantCulture);
            int q = 7 + classCount + 1;
            var choice = c[q].Length == 0 && c[q + 5].Length == 0 ? null
                : new ChoiceQuality(D(q), D(q + 1), D(q + 2), D(q + 3), D(q + 4), I(q + 5));
            try
            {
                rows.Add(new SimulationRow(I(0), I(1), c[2], c[3].Length == 0 ? null : c[3], I(4), I(6),
                    [.. Enumerable.Range(7, classCount).Select(D)], D(7 + classCount), choice, D(expected - 1)));
            }
            catch (FormatException)
            {
                throw new InvalidInputException(path, $"line {n + 1} has a value that is not a number");
            }
        }
        return rows;
    }
}
