using System.CommandLine;
using System.Globalization;
using Uga.Experiments.Simulation;

namespace Uga.Cli.Commands;

/// <summary>
/// `uga simulate compare --base A/results.csv --other B/results.csv`: two runs of the same replicates compared arm
/// by arm, paired per seed and fold (<see cref="RunComparison"/>), e.g. a fine-tuning recipe against the default.
/// </summary>
internal static class SimulateCompareCommand
{
    public static Command Create()
    {
        var baseRun = new Option<string>("--base") { Description = "results.csv of the reference run", Required = true };
        var other = new Option<string>("--other") { Description = "results.csv of the run compared with it (same seeds and folds)", Required = true };
        var arm = new Option<string?>("--arm") { Description = "Only this arm (default: every arm both runs have)" };
        var command = new Command("compare", "Compare two simulate runs of the same replicates, arm by arm: paired Dice difference (other - base), bootstrap 95 % CI, wins")
        {
            baseRun, other, arm,
        };
        command.SetAction(parse =>
        {
            var a = RunComparison.Read(parse.GetValue(baseRun)!);
            var b = RunComparison.Read(parse.GetValue(other)!);
            var rows = RunComparison.Compare(a, b).Where(d => parse.GetValue(arm) is not { } only || d.Arm == only).ToList();
            if (rows.Count == 0) throw new Uga.Imaging.InvalidInputException(null, "the two runs share no arm (at the same K)");
            Console.WriteLine("| arm | K | pairs | other − base | 95 % CI | wins | unpaired |");
            Console.WriteLine("|---|---:|---:|---:|---|---:|---:|");
            foreach (var d in rows)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {d.Arm} | {d.K} | {d.Pairs} | {d.Difference.Mean:+0.0000;-0.0000;0.0000} | [{d.Ci.Lo:+0.0000;-0.0000;0.0000}, {d.Ci.Hi:+0.0000;-0.0000;0.0000}] | {d.Wins}/{d.Pairs} | {d.Unpaired} |"));
            return 0;
        });
        return command;
    }
}
