using System.CommandLine;
using System.Diagnostics;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;

namespace Uga.Cli.Commands;

/// <summary>`uga train`: trains an ensemble of U-Nets on a dataset folder and writes the model folder.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Dataset folder: images/, masks/ (same stems), optional cases.csv", Required = true };
        var where = new Option<string[]>("--where") { Description = "Keep cases whose cases.csv column has this value, as column=value (repeatable; all must hold)", AllowMultipleArgumentsPerToken = false };
        var dataSpacing = new Option<double?>("--data-spacing") { Description = "µm/px of the dataset images (default: the spacing_um column of cases.csv)" };
        var output = new Option<string>("--out") { Description = "Model folder to write (replaced atomically if it exists)", Required = true };
        var defaults = new TrainingOptions();
        var members = new Option<int>("--members") { Description = "Ensemble members, trained one after another", DefaultValueFactory = _ => defaults.Members };
        var steps = new Option<int>("--steps") { Description = "Optimisation steps per member", DefaultValueFactory = _ => defaults.Steps };
        var patch = new Option<int>("--patch") { Description = "Training patch side in pixels at the model spacing (multiple of 2^depth)", DefaultValueFactory = _ => defaults.PatchSize };
        var spacing = new Option<double>("--spacing") { Description = "Model spacing in µm/px", DefaultValueFactory = _ => defaults.SpacingUm };
        var batch = new Option<int>("--batch") { Description = "Patches per step", DefaultValueFactory = _ => defaults.BatchSize };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate (AdamW, warm-up then cosine decay)", DefaultValueFactory = _ => defaults.LearningRate };
        var depth = new Option<int>("--depth") { Description = "U-Net down-sampling steps", DefaultValueFactory = _ => defaults.Architecture.Depth };
        var baseChannels = new Option<int>("--base-channels") { Description = "Channels of the first U-Net level", DefaultValueFactory = _ => defaults.Architecture.BaseChannels };
        var normalisation = new Option<string>("--normalisation") { Description = "batch, instance or none", DefaultValueFactory = _ => defaults.Architecture.Normalisation };
        var dropout = new Option<double>("--dropout") { Description = "Channel dropout in the decoder", DefaultValueFactory = _ => defaults.Architecture.Dropout };
        var seed = new Option<int>("--seed") { Description = "Seed of member 0 (member m uses seed + m)", DefaultValueFactory = _ => defaults.Seed };
        var classes = new Option<string?>("--classes") { Description = "Class names, background first, comma-separated (default: inferred from the masks)" };
        var noBalance = new Option<bool>("--no-class-balance") { Description = "Sample patch positions uniformly instead of class-balanced" };
        var noAugment = new Option<bool>("--no-augmentation") { Description = "Turn off flips, rotations, stain and scale jitter" };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: half the cores; more can be much slower on a busy machine)" };
        var command = new Command("train", "Train an ensemble of U-Nets on a dataset folder")
        {
            data, where, dataSpacing, output, members, steps, patch, spacing, batch, lr, depth, baseChannels, normalisation, dropout,
            seed, classes, noBalance, noAugment, threads,
        };
        command.SetAction((parse, cancellation) =>
        {
            var options = new TrainingOptions
            {
                DataDir = parse.GetValue(data),
                Where = (parse.GetValue(where) ?? []).Select(CaseFilter.Parse).ToArray(),
                DataSpacingUm = parse.GetValue(dataSpacing),
                Members = parse.GetValue(members),
                Steps = parse.GetValue(steps),
                PatchSize = parse.GetValue(patch),
                SpacingUm = parse.GetValue(spacing),
                BatchSize = parse.GetValue(batch),
                LearningRate = parse.GetValue(lr),
                Architecture = new UNetOptions
                {
                    Depth = parse.GetValue(depth),
                    BaseChannels = parse.GetValue(baseChannels),
                    Normalisation = parse.GetValue(normalisation)!,
                    Dropout = parse.GetValue(dropout),
                },
                Seed = parse.GetValue(seed),
                ClassNames = ParseClasses(parse.GetValue(classes)),
                ClassBalanced = !parse.GetValue(noBalance),
                Augmentation = parse.GetValue(noAugment) ? AugmentationOptions.None : new AugmentationOptions(),
                Threads = parse.GetValue(threads),
            };
            return Task.FromResult(Run(options, parse.GetValue(output)!, cancellation));
        });
        return command;
    }

    private static int Run(TrainingOptions options, string outDir, CancellationToken cancellation)
    {
        options.Validate(); // absurd parameters fail before any image is read
        var watch = Stopwatch.StartNew();
        using var ensemble = EnsembleTrainer.Train(options, ProgressPrinter.ToStandardError(), cancellation);
        ensemble.Save(outDir);
        var m = ensemble.Manifest;
        Console.WriteLine($"trained {m.Members} members x {m.Training.Steps} steps on {m.Training.ImageCount} images " +
                          $"({string.Join(", ", m.ClassNames)}) at {m.SpacingUm:0.###} µm/px in {ProgressPrinter.Duration(watch.Elapsed)}");
        Console.WriteLine($"final losses: {string.Join(", ", m.Training.FinalLosses.Select(l => l.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"wrote {outDir}");
        return 0;
    }

    internal static IReadOnlyList<string>? ParseClasses(string? text)
    {
        if (text is null) return null;
        var names = text.Split(',', StringSplitOptions.TrimEntries);
        if (names.Length < 2 || names.Any(n => n.Length == 0))
            throw new InvalidInputException(null, $"--classes needs at least two non-empty names, background first; got '{text}'");
        if (names.Distinct(StringComparer.OrdinalIgnoreCase).Count() != names.Length)
            throw new InvalidInputException(null, $"--classes has a repeated name: '{text}'");
        return names;
    }
}
