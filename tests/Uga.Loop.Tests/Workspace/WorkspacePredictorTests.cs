using Uga.Imaging;
using Uga.Inference;
using Uga.Loop.Queue;
using Uga.Loop.Workspace;
using F = Uga.Loop.Tests.Workspace.WorkspaceFixtures;
using R = Uga.Loop.Tests.Queue.RankFixtures;

namespace Uga.Loop.Tests.Workspace;

public sealed class WorkspacePredictorTests
{
    [Fact]
    public void Shards_are_disjoint_complete_balanced_and_independent_of_the_listing_order()
    {
        var ids = Enumerable.Range(0, 11).Select(i => $"slide-{i:00}").ToArray();
        var shuffled = ids.OrderBy(id => StableHash.Fnv32(id)).ToArray();
        for (int n = 1; n <= 4; n++)
        {
            var parts = Enumerable.Range(1, n).Select(i => new Shard(i, n).Of(ids)).ToList();
            Assert.Equal(ids.Order(StringComparer.Ordinal), parts.SelectMany(p => p).Order(StringComparer.Ordinal));
            Assert.Equal(ids.Length, parts.Sum(p => p.Count));
            Assert.True(parts.Max(p => p.Count) - parts.Min(p => p.Count) <= 1);
            for (int i = 1; i <= n; i++) Assert.Equal(parts[i - 1], new Shard(i, n).Of(shuffled));
        }
        Assert.Equal(new Shard(2, 3), Shard.Parse("2/3"));
        foreach (var bad in new[] { "0/3", "4/3", "2", "a/b", "1/0", "-1/2" })
            Assert.Contains("must be i/N", Assert.Throws<InvalidInputException>(() => Shard.Parse(bad)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shards_predicted_apart_give_the_queue_of_one_process_and_ranking_runs_no_network()
    {
        using var dir = new TempDir();
        using var ws = F.Workspace(dir);
        var slides = new[] { "a", "b", "c" }.Select((s, i) => R.TissueSlide(dir, s + ".tif", 320 + (64 * i), 256, 1.0)).ToArray();
        SlideCatalogue.Add(ws, slides, null);

        var first = WorkspacePredictor.Predict(ws, new Shard(1, 2), new SlidePredictionOptions());
        var second = WorkspacePredictor.Predict(ws, new Shard(2, 2), new SlidePredictionOptions());
        Assert.Equal(["a", "c"], first.Select(s => s.SlideId));
        Assert.Equal(["b"], second.Select(s => s.SlideId));
        Assert.All(first.Concat(second), s => Assert.False(s.Reused));
        Assert.All(WorkspacePredictor.Predict(ws, Shard.All, new SlidePredictionOptions()), s => Assert.True(s.Reused)); // idempotent

        var request = new RankRequest
        {
            ModelDir = ws.ModelDir(ws.Manifest.Current),
            SlidePaths = WorkspaceRanker.Slides(ws, [], null),
            OutDir = dir.File("queue"),
            K = 4,
            PatchSizePx = 64,
        };
        var (reduced, _) = WorkspaceRanker.Run(ws, request);
        var alone = Ranker.Run(request with { OutDir = dir.File("alone"), ArtifactsDir = dir.File("fresh") });

        Assert.Equal(0, reduced.Forwards);
        Assert.True(alone.Forwards > 0);
        Assert.Equal(alone.Selection.Chosen.Select(c => (c.Key, c.Score)), reduced.Selection.Chosen.Select(c => (c.Key, c.Score)));
    }
}
