using System.Globalization;
using Uga.Inference;
using Uga.Loop.Workspace;

namespace Uga.Cli.Commands;

/// <summary>`uga predict --workspace W [--shard i/N]`: the workspace's slides (or one part of them) into W/artifacts.</summary>
internal static class PredictWorkspace
{
    /// <param name="rankArgs">The reduction's ranking options (none: rank's defaults; K never shapes the features).</param>
    /// <param name="slideIds">Only these registered slides (null: all of the shard's).</param>
    public static int Run(string root, Shard shard, SlidePredictionOptions options, double? spacingUm, IReadOnlyList<string> rankArgs, IReadOnlyList<string>? slideIds)
    {
        options.Validate();
        using var workspace = LoopWorkspace.Open(root);
        var rank = RankCommand.ForUnit(workspace, rankArgs.Count == 0 ? ["--k", "1"] : rankArgs);
        var notes = new List<string>();
        var done = WorkspacePredictor.Predict(workspace, shard, options, spacingUm, rank: rank, notes: notes, only: slideIds);
        foreach (var note in notes) Console.WriteLine($"note: {note}");
        foreach (var s in done)
        {
            if (s.StaleNote is { } note) Console.WriteLine($"note: {note}");
            Console.WriteLine((s.Reused
                ? $"{s.Name}: current artifact reused ({s.ArtifactPath})"
                : string.Create(CultureInfo.InvariantCulture, $"{s.Name}: predicted, {s.Forwards} patch forwards ({s.ArtifactPath})"))
                + (s.MeasuredFeatures ? "; candidate features stored" : ""));
        }
        Console.WriteLine($"shard {shard}: {done.Count} slides with model {workspace.Manifest.Current.Id}, {done.Count(s => !s.Reused)} predicted, {done.Count(s => s.Reused)} already current");
        return 0;
    }
}
