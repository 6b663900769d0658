using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Uga.Experiments.Demo;

namespace Uga.Cli.Commands;

/// <summary>`uga demo`: the whole uncertainty-guided loop on phantom slides, with an HTML report.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder for data, models, rankings and report.html", DefaultValueFactory = _ => "uga-demo" };
        var seed = new Option<int>("--seed") { Description = "Seed of the phantoms, the training and the random strategy", DefaultValueFactory = _ => 1 };
        var quick = new Option<bool>("--quick") { Description = "Tiny slides and a few steps (seconds; for tests, numbers are not meaningful)" };
        var paper = new Option<bool>("--paper") { Description = "Also run the paper's uga-paper scoring (two more fine-tuned arms)" };
        var members = new Option<int?>("--members") { Description = "Ensemble members (default 3; 2 with --quick)" };
        var steps = new Option<int?>("--steps") { Description = "Baseline training steps per member" };
        var fineTune = new Option<int?>("--fine-tune-steps") { Description = "Fine-tuning steps per member, the same for every arm" };
        var threads = new Option<int>("--threads") { Description = "Torch threads", DefaultValueFactory = _ => 2 };
        var command = new Command("demo", "Run the whole uncertainty-guided loop on phantom slides and write report.html")
        {
            output, seed, quick, paper, members, steps, fineTune, threads,
        };
        command.SetAction((parse, cancellation) =>
        {
            var outDir = Path.GetFullPath(parse.GetValue(output)!);
            var options = parse.GetValue(quick) ? DemoOptions.Quick(outDir, parse.GetValue(seed)) : new DemoOptions { OutDir = outDir, Seed = parse.GetValue(seed) };
            options = options with
            {
                Members = parse.GetValue(members) ?? options.Members,
                Steps = parse.GetValue(steps) ?? options.Steps,
                FineTune = options.FineTune with { Steps = parse.GetValue(fineTune) ?? options.FineTune.Steps },
                Strategies = parse.GetValue(paper) ? [.. options.Strategies, "uga-paper"] : options.Strategies,
                Threads = parse.GetValue(threads),
                CommandLine = "uga " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
                Progress = ProgressPrinter.ToStandardError(),
                Cancellation = cancellation,
            };
            return Task.FromResult(Run(options));
        });
        return command;
    }

    private static int Run(DemoOptions options)
    {
        var watch = Stopwatch.StartNew();
        var result = DemoRunner.Run(options);
        var names = result.ClassNames;
        Console.WriteLine();
        Console.WriteLine(Row("model", "K", [.. names.Select(n => "Dice " + n), "mean"]));
        foreach (var a in result.Arms.Prepend(result.BaselineAtCentreA))
            Console.WriteLine(Row(a.Name, a.K.ToString(CultureInfo.InvariantCulture), [.. a.Dice.Select(F), F(a.MeanDice)]));
        Console.WriteLine("(held-out centre-B slides, pooled Dice; 'baseline at centre A' = the same tissue stained at centre A)");
        Console.WriteLine();
        foreach (var s in result.Stages)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s.Name,-40} {s.WallSeconds,7:0.0} s wall {(double.IsNaN(s.CpuSeconds) ? "" : $"{s.CpuSeconds,7:0.0} s CPU")}"));
        Console.WriteLine($"demo took {ProgressPrinter.Duration(watch.Elapsed)}; report: {result.ReportPath}");
        return 0;
    }

    private static string Row(string name, string k, IReadOnlyList<string> cells) =>
        $"{name,-26} {k,3} " + string.Join(" ", cells.Select(c => $"{c,16}"));

    private static string F(double v) => double.IsNaN(v) ? "-" : v.ToString("0.000", CultureInfo.InvariantCulture);
}
