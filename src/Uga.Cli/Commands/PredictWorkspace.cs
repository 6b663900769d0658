using System.Globalization;
using Uga.Inference;
using Uga.Loop.Workspace;

namespace Uga.Cli.Commands;

/// <summary>`uga predict --workspace W [--shard i/N]`: the workspace's slides (or one part of them) into W/artifacts.</summary>
internal static class PredictWorkspace
{
    public static int Run(string root, Shard shard, SlidePredictionOptions options, double? spacingUm)
    {
        options.Validate();
        using var workspace = LoopWorkspace.Open(root);
        var done = WorkspacePredictor.Predict(workspace, shard, options, spacingUm);
        foreach (var s in done)
        {
            if (s.StaleNote is { } note) Console.WriteLine($"note: {note}");
            Console.WriteLine(s.Reused
                ? $"{s.Name}: current artifact reused ({s.ArtifactPath})"
                : string.Create(CultureInfo.InvariantCulture, $"{s.Name}: predicted, {s.Forwards} patch forwards ({s.ArtifactPath})"));
        }
        Console.WriteLine($"shard {shard}: {done.Count} slides with model {workspace.Manifest.Current.Id}, {done.Count(s => !s.Reused)} predicted, {done.Count(s => s.Reused)} already current");
        return 0;
    }
}
