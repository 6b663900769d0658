using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Uga.Experiments.Simulation;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Ranking;

namespace Uga.Cli.Commands;

/// <summary>
/// `uga simulate`: the paper's experiment in one command. Options left out come from the preset
/// (<see cref="SimulationOptions"/> defaults, or <see cref="SimulationOptions.Quick"/>).
/// </summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var source = new Option<string>("--source") { Description = "Source dataset folder (images/, masks/, optional cases.csv): the baseline's training data", Required = true };
        var sourceWhere = new Option<string[]>("--source-where") { Description = "Keep source cases whose cases.csv column has this value, column=value (repeatable)" };
        var sourceSpacing = new Option<double?>("--source-spacing") { Description = "µm/px of the source images (default: cases.csv spacing_um)" };
        var target = new Option<string>("--target") { Description = "Target dataset folder, or folder of slides FILE.tif each with FILE.labels.tif (as `uga data montage` writes)", Required = true };
        var targetWhere = new Option<string[]>("--target-where") { Description = "Keep target cases whose cases.csv column has this value (repeatable)" };
        var targetSpacing = new Option<double?>("--target-spacing") { Description = "µm/px of the target images or slides (default: cases.csv spacing_um, or the slide's own)" };
        var groupBy = new Option<string?>("--group-by") { Description = "cases.csv column keeping cases together in one fold, e.g. patient (default: each case alone; each slide alone)" };
        var output = new Option<string>("--out") { Description = "Report folder: results.csv, report.md, report.html, dice-vs-k.png/svg, models/", Required = true };
        var preset = new Option<string>("--preset") { Description = "default (five seeds; reportable) or quick (minutes; for tests, numbers not meaningful)", DefaultValueFactory = _ => "default" };
        var folds = new Option<int?>("--folds") { Description = "Split the target groups into F parts; each part is evaluated once with the rest as the annotation pool (default 2)" };
        var seeds = new Option<int?>("--seeds") { Description = "Number of seeds, 1..S (default 5; quick 2)" };
        var ks = new Option<string?>("--k") { Description = "Patches per arm, comma-separated (default 5,10; 0 may be listed: the K = 0 control always runs)" };
        var kPer = new Option<string?>("--k-mode") { Description = "per-slide (K from every pool slide, the paper's count), total (K from the whole pool) or pooled (K x slides across the pool); default: per-slide for slide targets, total for datasets" };
        var jitter = new Option<double?>("--jitter") { Description = "Shift each annotated patch by up to this fraction of its size (the paper's script: 1; default 0)" };
        var strategies = new Option<string?>("--strategies") { Description = $"Comma-separated strategies to compare (default uga-paper,uncertainty-sum,diverse,random; all: {string.Join(", ", RankingStrategies.Names)})" };
        var measure = new Option<string?>("--measure") { Description = "Uncertainty measure for the strategies that take one (default ensemble-ce)" };
        var classes = new Option<string?>("--classes") { Description = "Class names, background first, comma-separated (default: inferred from the source masks)" };
        var spacing = new Option<double?>("--spacing") { Description = "Model spacing in µm/px (default 1.0)" };
        var patch = new Option<int?>("--patch") { Description = "Training and candidate patch side in pixels at --spacing (default 128; quick 64)" };
        var stride = new Option<int?>("--stride") { Description = "Candidate grid step in pixels (default: half a patch)" };
        var minDistance = new Option<double?>("--min-distance") { Description = "Chosen patch centres at least this many µm apart (default: one patch side, no overlap)" };
        var minTissue = new Option<double?>("--min-tissue") { Description = "Drop candidates with less tissue than this fraction (default 0.5)" };
        var members = new Option<int?>("--members") { Description = "Ensemble members (default 3)" };
        var steps = new Option<int?>("--steps") { Description = "Baseline training steps per member (default 240)" };
        var fineTune = new Option<int?>("--fine-tune-steps") { Description = "Fine-tuning steps per member, the same for every arm and the control (default 40)" };
        var share = new Option<double?>("--patch-share") { Description = "Share of fine-tuning draws taken from the annotated patches (default 0.5)" };
        var threads = new Option<int>("--threads") { Description = "Torch threads (1 is fastest on a shared 2-core machine)", DefaultValueFactory = _ => 1 };
        var depth = new Option<int?>("--depth") { Description = "U-Net depth of the baseline members (default 3)" };
        var baseChannels = new Option<int?>("--base-channels") { Description = "Channels of the U-Net's first level, doubled per level (default 8)" };
        var trainable = FinetuneCommand.TrainableOption("--fine-tune-trainable");
        var stain = FinetuneCommand.StainJitterOption("--fine-tune-stain-jitter");
        var adapt = new Option<bool>("--adapt") { Description = "Add the label-free arms: baseline and every fine-tuned arm after BatchNorm re-estimation on the pool images (adapt, adapt+ARM)" };
        var resume = new Option<bool>("--resume") { Description = "Keep the replicates already in OUT/results.partial.csv (same command) and run only the rest" };
        var stochastic = new Option<double?>("--stochastic") { Description = "Sample K with Gumbel noise of scale 1/β instead of the top-K (see uga rank --stochastic)" };
        var command = new Command("simulate", "Run the uncertainty-guided annotation experiment with reference masks as the pathologist, over seeds and folds")
        {
            source, sourceWhere, sourceSpacing, target, targetWhere, targetSpacing, groupBy, output, preset, folds, seeds, ks, kPer,
            jitter, strategies, measure, classes, spacing, patch, stride, minDistance, minTissue, members, steps, fineTune, share, threads,
            adapt, resume, stochastic, trainable, stain, depth, baseChannels,
        };
        command.SetAction((parse, cancellation) =>
        {
            var o = new SimulationOptions
            {
                SourceDir = parse.GetValue(source)!,
                SourceWhere = [.. (parse.GetValue(sourceWhere) ?? []).Select(CaseFilter.Parse)],
                SourceSpacingUm = parse.GetValue(sourceSpacing),
                TargetDir = parse.GetValue(target)!,
                TargetWhere = [.. (parse.GetValue(targetWhere) ?? []).Select(CaseFilter.Parse)],
                TargetSpacingUm = parse.GetValue(targetSpacing),
                GroupBy = parse.GetValue(groupBy),
                OutDir = Path.GetFullPath(parse.GetValue(output)!),
            };
            o = parse.GetValue(preset)!.ToLowerInvariant() switch
            {
                "default" => o,
                "quick" => SimulationOptions.Quick(o),
                var other => throw new InvalidInputException(null, $"unknown --preset '{other}'; valid: default, quick"),
            };
            o = o with
            {
                Folds = parse.GetValue(folds) ?? o.Folds,
                Seeds = parse.GetValue(seeds) is { } n ? (n >= 1 ? [.. Enumerable.Range(1, n)] : throw new InvalidInputException(null, $"--seeds must be at least 1, got {n}")) : o.Seeds,
                Ks = parse.GetValue(ks) is { } k ? [.. ParseInts(k, "--k").Where(v => v != 0)] : o.Ks,
                KMode = parse.GetValue(kPer) is { } per ? KModes.Parse(per) : o.KMode,
                Jitter = parse.GetValue(jitter) ?? o.Jitter,
                Strategies = parse.GetValue(strategies) is { } s ? s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : o.Strategies,
                Measure = parse.GetValue(measure) ?? o.Measure,
                ClassNames = TrainCommand.ParseClasses(parse.GetValue(classes)) ?? o.ClassNames,
                SpacingUm = parse.GetValue(spacing) ?? o.SpacingUm,
                PatchSize = parse.GetValue(patch) ?? o.PatchSize,
                StridePx = parse.GetValue(stride) ?? o.StridePx,
                MinDistanceUm = parse.GetValue(minDistance) ?? o.MinDistanceUm,
                MinTissueFraction = parse.GetValue(minTissue) ?? o.MinTissueFraction,
                Members = parse.GetValue(members) ?? o.Members,
                Architecture = o.Architecture with
                {
                    Depth = parse.GetValue(depth) ?? o.Architecture.Depth,
                    BaseChannels = parse.GetValue(baseChannels) ?? o.Architecture.BaseChannels,
                },
                Steps = parse.GetValue(steps) ?? o.Steps,
                FineTune = o.FineTune with
                {
                    Steps = parse.GetValue(fineTune) ?? o.FineTune.Steps,
                    PatchShare = parse.GetValue(share) ?? o.FineTune.PatchShare,
                    Trainable = FinetuneCommand.ParseTrainable(parse.GetValue(trainable)!),
                    StainJitter = parse.GetValue(stain),
                },
                Threads = parse.GetValue(threads),
                Adapt = parse.GetValue(adapt),
                Resume = parse.GetValue(resume),
                StochasticBeta = parse.GetValue(stochastic),
                CommandLine = "uga " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
                Progress = ProgressPrinter.ToStandardError(),
                Cancellation = cancellation,
            };
            return Task.FromResult(Run(o));
        });
        command.Subcommands.Add(SimulateCompareCommand.Create());
        return command;
    }

    private static int Run(SimulationOptions o)
    {
        var watch = Stopwatch.StartNew();
        var result = SimulationRunner.Run(o);
        SimulationReport.Write(result, o.OutDir);
        Console.WriteLine();
        foreach (var a in SimulationSummary.Summarise(result))
        {
            string gain = a.GainOverControl.N == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"  vs control {a.GainOverControl.Mean:+0.000;-0.000;0.000}");
            string random = a.GainOverRandom.N == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"  vs random {a.GainOverRandom.Mean:+0.000;-0.000;0.000} ({a.WinsOverRandom}/{a.GainOverRandom.N} wins)");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{a.Arm,-18} K={a.K,-3} Dice {a.Dice.Mean:0.000} ± {a.Dice.Sd:0.000}{gain}{random}"));
        }
        foreach (var w in result.Warnings.Take(5)) Console.Error.WriteLine($"uga: warning: {w}");
        Console.WriteLine($"simulate took {ProgressPrinter.Duration(watch.Elapsed)}; report: {Path.Combine(o.OutDir, "report.md")}");
        return 0;
    }

    private static int[] ParseInts(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]))
                throw new InvalidInputException(null, $"{option} needs comma-separated whole numbers, got '{text}'");
        return values;
    }
}
