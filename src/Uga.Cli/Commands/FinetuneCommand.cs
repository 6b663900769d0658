using System.CommandLine;
using System.Diagnostics;
using Uga.Loop.Workspace;

namespace Uga.Cli.Commands;

/// <summary>`uga finetune`: the next model version of a workspace, trained on the source data plus every imported patch.</summary>
internal static class FinetuneCommand
{
    public static Command Create()
    {
        var defaults = new FineTuneRequest();
        var workspace = WorkspaceCommand.WorkspaceOption();
        var recipe = defaults.Recipe;
        var steps = new Option<int>("--steps") { Description = "Optimisation steps per member (with --from-scratch: of the new training)", DefaultValueFactory = _ => recipe.Steps };
        var lr = new Option<double>("--lr") { Description = "Learning rate of the fine-tuning", DefaultValueFactory = _ => recipe.LearningRate };
        var share = new Option<double>("--patch-share") { Description = "Share of the training draws (by area) that go to the imported patches, in (0, 1)", DefaultValueFactory = _ => recipe.PatchShare };
        var fromScratch = new Option<bool>("--from-scratch") { Description = "Train new members with the current architecture instead of warm-starting them" };
        var batch = new Option<int>("--batch") { Description = "Patches per step", DefaultValueFactory = _ => recipe.BatchSize };
        var seed = new Option<int>("--seed") { Description = "Seed of member 0 (member m uses seed + m)", DefaultValueFactory = _ => defaults.Seed };
        var threads = new Option<int?>("--threads") { Description = "Torch threads (default: half the cores)" };
        var trainable = TrainableOption();
        var stain = StainJitterOption();
        var command = new Command("finetune", "Fine-tune the workspace's current model on all imported annotations; saves a new version")
        {
            workspace, steps, lr, share, fromScratch, batch, seed, threads, trainable, stain,
        };
        command.SetAction((parse, cancellation) =>
        {
            using var ws = LoopWorkspace.Open(parse.GetValue(workspace)!);
            var request = new FineTuneRequest
            {
                Recipe = recipe with
                {
                    Steps = parse.GetValue(steps),
                    LearningRate = parse.GetValue(lr),
                    PatchShare = parse.GetValue(share),
                    BatchSize = parse.GetValue(batch),
                    Trainable = ParseTrainable(parse.GetValue(trainable)!),
                    StainJitter = parse.GetValue(stain),
                },
                FromScratch = parse.GetValue(fromScratch),
                ScratchSteps = parse.GetValue(steps),
                Seed = parse.GetValue(seed),
                Threads = parse.GetValue(threads),
            };
            var watch = Stopwatch.StartNew();
            var version = WorkspaceFineTuner.FineTune(ws, request, ProgressPrinter.ToStandardError(), cancellation);
            Console.WriteLine($"{version.How} {version.Parent} -> {version.Id} on {version.PatchCount} imported patches " +
                              $"(rounds {string.Join(", ", version.TrainedOnRounds)}) in {ProgressPrinter.Duration(watch.Elapsed)}");
            Console.WriteLine($"wrote {ws.PathOf(version.Folder)}");
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>`--trainable all|surgical`, shared with `uga simulate`.</summary>
    public static Option<string> TrainableOption(string name = "--trainable")
    {
        var option = new Option<string>(name)
        {
            Description = "Weights fine-tuning may change: all, or surgical (the first encoder block and the normalisation layers' scale and shift)",
            DefaultValueFactory = _ => "all",
        };
        option.AcceptOnlyFromAmong("all", "surgical");
        return option;
    }

    /// <summary>`--stain-jitter M`, shared with `uga simulate`.</summary>
    public static Option<double> StainJitterOption(string name = "--stain-jitter") => new(name)
    {
        Description = "Multiply the stain (colour) augmentation's jitter while fine-tuning: 1 as in training, 3 strong",
        DefaultValueFactory = _ => 1.0,
    };

    public static Uga.Learning.TrainableParameters ParseTrainable(string name) =>
        name == "surgical" ? Uga.Learning.TrainableParameters.Surgical : Uga.Learning.TrainableParameters.All;
}
