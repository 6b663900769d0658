using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Artifacts;
using Uga.Loop.Queue;
using Uga.Loop.Workspace;
using Uga.Loop.Workspace.Store;
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
        var rank = Request(ws, dir);

        var first = WorkspacePredictor.Predict(ws, new Shard(1, 2), new SlidePredictionOptions(), rank: rank);
        var second = WorkspacePredictor.Predict(ws, new Shard(2, 2), new SlidePredictionOptions(), rank: rank);
        Assert.Equal(["a", "c"], first.Select(s => s.SlideId));
        Assert.Equal(["b"], second.Select(s => s.SlideId));
        Assert.All(first.Concat(second), s => Assert.True(!s.Reused && s.MeasuredFeatures));
        Assert.All(WorkspacePredictor.Predict(ws, Shard.All, new SlidePredictionOptions(), rank: rank), s => Assert.True(s.Reused && !s.MeasuredFeatures)); // idempotent

        var (reduced, alone) = ReducedAndAlone(ws, dir);

        Assert.Equal((0, 3), (reduced.Forwards, reduced.StoredFeatures)); // the units' features, not the maps
        Assert.True(alone.Forwards > 0);
        Assert.Equal(0, alone.StoredFeatures);
        Assert.Equal(alone.Selection.Scored.Select(c => (c.Key, c.Score)), reduced.Selection.Scored.Select(c => (c.Key, c.Score)));
        Assert.Equal(alone.Selection.Chosen.Select(c => (c.Key, c.Score)), reduced.Selection.Chosen.Select(c => (c.Key, c.Score)));
    }

    [Fact]
    public void Features_stored_for_another_ranking_or_unreadable_are_measured_again_with_the_same_result()
    {
        using var dir = new TempDir();
        using var ws = F.Workspace(dir);
        SlideCatalogue.Add(ws, [R.TissueSlide(dir, "a.tif", 320, 256, 1.0), R.TissueSlide(dir, "b.tif", 384, 256, 1.0)], null);
        var rank = Request(ws, dir);
        var units = WorkspacePredictor.Predict(ws, Shard.All, new SlidePredictionOptions(), rank: rank with { PatchSizePx = 32 });
        Assert.All(units, s => Assert.True(s.MeasuredFeatures));
        var again = WorkspacePredictor.Predict(ws, Shard.All, new SlidePredictionOptions(), rank: rank);
        Assert.All(again, s => Assert.True(s.Reused && s.MeasuredFeatures)); // another grid: measured, not predicted
        var ranked = Ranker.Run(rank with { ArtifactsDir = ws.ArtifactsDir });
        Assert.Equal(2, ranked.StoredFeatures);

        // b's features for this grid (the newer of its two files) damaged: the reduction says so and measures b itself.
        var damaged = new DirectoryInfo(Path.Combine(units[1].ArtifactPath, "features")).GetFiles().MaxBy(f => f.LastWriteTimeUtc)!;
        File.WriteAllBytes(damaged.FullName, [9]);
        var repaired = Ranker.Run(rank with { ArtifactsDir = ws.ArtifactsDir, OutDir = dir.File("repaired") });
        Assert.Equal(1, repaired.StoredFeatures);
        Assert.Contains(repaired.Notes, n => n.Contains("b.prediction.zarr", StringComparison.Ordinal) && n.Contains("measuring the slide's candidates again", StringComparison.Ordinal));
        Assert.Equal(ranked.Selection.Scored.Select(c => (c.Key, c.Score)), repaired.Selection.Scored.Select(c => (c.Key, c.Score)));
    }

    [Fact]
    public void Units_store_the_patch_embeddings_the_clustering_strategies_read_so_the_reduction_runs_no_encoder()
    {
        using var dir = new TempDir();
        using var ws = F.Workspace(dir);
        SlideCatalogue.Add(ws, [R.TissueSlide(dir, "a.tif", 320, 256, 1.0), R.TissueSlide(dir, "b.tif", 384, 256, 1.0)], null);
        var rank = Request(ws, dir) with { Strategy = "clue" };

        var units = WorkspacePredictor.Predict(ws, Shard.All, new SlidePredictionOptions(), rank: rank);

        var stored = Uga.Ranking.SlideFeaturesFile.Read(Directory.GetFiles(Path.Combine(units[0].ArtifactPath, "features")).Single());
        Assert.NotEmpty(stored.Candidates);
        Assert.All(stored.Candidates, c => Assert.True(c.Embedding is { Length: > 0 }));
        var reduced = Ranker.Run(rank with { ArtifactsDir = ws.ArtifactsDir });
        var alone = Ranker.Run(rank with { OutDir = dir.File("alone"), ArtifactsDir = dir.File("fresh") });
        Assert.Equal((2, 0), (reduced.StoredFeatures, alone.StoredFeatures));
        Assert.Equal(alone.Selection.Chosen.Select(c => c.Key), reduced.Selection.Chosen.Select(c => c.Key));
    }

    [Fact]
    public void A_unit_given_as_a_list_of_slide_ids_predicts_exactly_those()
    {
        using var dir = new TempDir();
        using var ws = F.Workspace(dir);
        SlideCatalogue.Add(ws, [R.TissueSlide(dir, "a.tif", 256, 256, 1.0), R.TissueSlide(dir, "b.tif", 256, 256, 1.0), R.TissueSlide(dir, "c.tif", 256, 256, 1.0)], null);

        var listed = WorkspacePredictor.Predict(ws, Shard.All, new SlidePredictionOptions(), only: ["c", "a"]);

        Assert.Equal(["a", "c"], listed.Select(s => s.SlideId));
        Assert.False(Directory.Exists(PredictionArtifact.PathFor(ws.ArtifactsDir, "b")));
        Assert.Equal(["a"], WorkspacePredictor.Predict(ws, Shard.All, new SlidePredictionOptions(), only: ["a", "a"]).Select(s => s.SlideId)); // listed twice, predicted once
        var e = Assert.Throws<InvalidInputException>(() => WorkspacePredictor.Predict(ws, Shard.All, new SlidePredictionOptions(), only: ["a", "z"]));
        Assert.Contains("slide 'z' is not registered (registered: a, b, c)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tall_slides_are_cut_into_row_bands_only_when_the_work_is_split()
    {
        var at = DateTimeOffset.UnixEpoch;
        var slides = new[]
        {
            new SlideRecord("tall", "tall.tif", "h", 0.5, 4000, 10_000, at), // 5000 rows at 1 µm/px: 3 bands of 2048
            new SlideRecord("small", "small.tif", "h", 1.0, 900, 900, at),
            new SlideRecord("exact", "exact.tif", "h", 1.0, 500, 4096, at), // exactly 2 bands
        };
        var alone = WorkPartition.Parts(slides, 1.0, units: 1, bandHeight: 2048);
        Assert.Equal(["exact", "small", "tall"], alone.Select(p => p.ToString()));

        var split = WorkPartition.Parts(slides, 1.0, units: 2, bandHeight: 2048);
        Assert.Equal(["exact rows 0-2048", "exact rows 2048-end", "small", "tall rows 0-2048", "tall rows 2048-4096", "tall rows 4096-end"],
            split.Select(p => p.ToString()));
        Assert.Equal(split, WorkPartition.Parts(slides.Reverse(), 1.0, units: 2, bandHeight: 2048));
        var units = Enumerable.Range(1, 3).Select(i => new Shard(i, 3).Deal(split)).ToList();
        Assert.Equal(split.Order(Comparer<PredictionPart>.Create((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()))),
            units.SelectMany(u => u).Order(Comparer<PredictionPart>.Create((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()))));
        Assert.All(units, u => Assert.Equal(2, u.Count));
        Assert.Equal(["exact", "tall"], WorkPartition.BandedSlides(split).Order(StringComparer.Ordinal));
    }

    // A slide cut into row bands across units: the reduction joins them, and the queue is the single process's.
    [Fact]
    public void Row_bands_predicted_by_different_units_join_into_the_queue_of_one_process()
    {
        using var dir = new TempDir();
        using var ws = F.Workspace(dir);
        var slides = new[] { R.TissueSlide(dir, "tall.tif", 320, 704, 1.0), R.TissueSlide(dir, "small.tif", 256, 192, 1.0) };
        SlideCatalogue.Add(ws, slides, null);
        var options = new SlidePredictionOptions { BlockSize = 256 };
        const int band = 256;

        var predicted = Enumerable.Range(1, 3).SelectMany(i => WorkspacePredictor.Predict(ws, new Shard(i, 3), options, bandHeight: band)).ToList();
        Assert.Equal(["small", "tall rows 0-256", "tall rows 256-512", "tall rows 512-end"],
            predicted.Select(p => p.Name).Order(StringComparer.Ordinal));
        var missing = WorkUnits.Status(ws, 3, options, band);
        Assert.All(missing, u => Assert.True(u.Done));

        Assert.Equal(["tall"], WorkUnits.Gather(ws, 3, options, band));
        Assert.Empty(WorkUnits.Gather(ws, 3, options, band)); // joined once
        Assert.All(WorkUnits.Status(ws, 3, options, band), u => Assert.True(u.Done));
        Assert.All(WorkspacePredictor.Predict(ws, new Shard(2, 3), options, bandHeight: band), s => Assert.True(s.Reused));

        var (reduced, alone) = ReducedAndAlone(ws, dir);
        Assert.Equal(0, reduced.Forwards);
        Assert.Equal(alone.Selection.Chosen.Select(c => (c.Key, c.Score)), reduced.Selection.Chosen.Select(c => (c.Key, c.Score)));
    }

    [Fact]
    public void A_band_no_unit_stored_is_named_by_the_reductions_check()
    {
        using var dir = new TempDir();
        using var ws = F.Workspace(dir);
        SlideCatalogue.Add(ws, [R.TissueSlide(dir, "tall.tif", 256, 600, 1.0)], null);
        var options = new SlidePredictionOptions { BlockSize = 256 };
        WorkspacePredictor.Predict(ws, new Shard(1, 2), options, bandHeight: 256);

        var status = WorkUnits.Status(ws, 2, options, 256);
        Assert.True(status[0].Done);
        var e = Assert.Throws<InvalidInputException>(() => WorkUnits.RequireDone(status, ws.Root));
        Assert.Contains("1 of 2 prediction units not done: 2/2", e.Message, StringComparison.Ordinal);
        Assert.Contains("tall rows 256-512 (no band artifact)", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidInputException>(() => WorkspacePredictor.Predict(ws, new Shard(1, 2), options, bandHeight: 300));
    }

    private static RankRequest Request(LoopWorkspace ws, TempDir dir) => new()
    {
        ModelDir = ws.ModelDir(ws.Manifest.Current),
        SlidePaths = WorkspaceRanker.Slides(ws, [], null),
        OutDir = dir.File("queue"),
        K = 4,
        PatchSizePx = 64,
    };

    // The workspace's queue from the units' artifacts, and the same ranking by one process that predicts afresh.
    private static (RankResult Reduced, RankResult Alone) ReducedAndAlone(LoopWorkspace ws, TempDir dir)
    {
        var request = Request(ws, dir);
        var (reduced, _) = WorkspaceRanker.Run(ws, request);
        return (reduced, Ranker.Run(request with { OutDir = dir.File("alone"), ArtifactsDir = dir.File("fresh") }));
    }
}
