using System.CommandLine;
using System.Diagnostics;
using Uga.Imaging;
using Uga.Learning;
using Uga.Loop.Adaptation;
using Uga.Loop.Workspace;

namespace Uga.Cli.Commands;

/// <summary>
/// `uga adapt`: label-free adaptation to a new laboratory. Every BatchNorm's statistics are re-estimated on target
/// tissue; either a model folder to a new folder (--model, --slide or --data, --out) or a workspace's current
/// version to its next (--workspace).
/// </summary>
internal static class AdaptCommand
{
    public static Command Create()
    {
        var defaults = new AdaptationOptions();
        var model = new Option<string?>("--model") { Description = "Model folder to adapt (with --out)" };
        var workspace = new Option<string?>("--workspace") { Description = "Adapt the workspace's current version on its slides; saves the next version" };
        var slides = new Option<string[]>("--slide") { Description = "Target slide (repeatable)", AllowMultipleArgumentsPerToken = true };
        var data = new Option<string?>("--data") { Description = "Target dataset folder (images/; masks are not read)" };
        var dataSpacing = new Option<double?>("--data-spacing") { Description = "With --data: µm/px of the images (default: cases.csv spacing_um)" };
        var spacing = new Option<double?>("--spacing") { Description = "µm/px of the slides' full resolution, overriding the files'" };
        var output = new Option<string?>("--out") { Description = "New model folder (with --model)" };
        var tiles = new Option<int>("--tiles") { Description = "At most this many target tiles (spread evenly over the tissue)", DefaultValueFactory = _ => defaults.MaxTiles };
        var batch = new Option<int>("--batch") { Description = "Tiles per batch (the statistics are averaged over batches)", DefaultValueFactory = _ => defaults.BatchSize };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: torch's choice)" };
        var command = new Command("adapt", "Re-estimate the model's BatchNorm statistics on unlabelled target tissue (AdaBN): a new model version, no annotation needed")
        {
            model, workspace, slides, data, dataSpacing, spacing, output, tiles, batch, threads,
        };
        command.SetAction((parse, cancellation) =>
        {
            if (parse.GetValue(threads) is { } t) TorchRuntime.SetThreads(t);
            var options = defaults with { MaxTiles = parse.GetValue(tiles), BatchSize = parse.GetValue(batch) };
            var watch = Stopwatch.StartNew();
            if (parse.GetValue(workspace) is { } root)
            {
                using var ws = LoopWorkspace.Open(root);
                var version = WorkspaceAdapter.Adapt(ws, options, parse.GetValue(spacing), ProgressPrinter.ToStandardError(), cancellation);
                Console.WriteLine($"adapted {version.Parent} -> {version.Id} ({version.Recipe}) in {ProgressPrinter.Duration(watch.Elapsed)}");
                Console.WriteLine($"wrote {ws.PathOf(version.Folder)}");
                return Task.FromResult(0);
            }
            var modelDir = parse.GetValue(model) ?? throw new InvalidInputException(null, "give --model (with --out) or --workspace");
            var outDir = parse.GetValue(output) ?? throw new InvalidInputException(null, "--out is required with --model");
            var target = new AdaptationTarget(parse.GetValue(slides) ?? [], parse.GetValue(data), parse.GetValue(dataSpacing), parse.GetValue(spacing));
            var (count, tile) = ModelAdapter.Adapt(modelDir, target, outDir, options, ProgressPrinter.ToStandardError(), cancellation);
            Console.WriteLine($"adapted {modelDir} on {count} target tiles of {tile} px in {ProgressPrinter.Duration(watch.Elapsed)}");
            Console.WriteLine($"wrote {Path.GetFullPath(outDir)}");
            return Task.FromResult(0);
        });
        return command;
    }
}
