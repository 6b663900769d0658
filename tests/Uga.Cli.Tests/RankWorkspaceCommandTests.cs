using System.Text.Json;

namespace Uga.Cli.Tests;

/// <summary>The real `uga rank --workspace` on two GlaS images with a tiny untrained ensemble.</summary>
public sealed class RankWorkspaceCommandTests
{
    [Fact]
    public void RankWithWorkspaceOpensARoundRankedByTheCurrentVersion()
    {
        using var dir = new TempDir();
        var (ws, data) = Workspace(dir);

        var (code, stdout, stderr) = UgaProcess.Run(["rank", "--workspace", ws, .. Pool(data)]);

        Assert.True(code == 0, stderr);
        Assert.Contains("opened round r1 (ranked by v1)", stdout, StringComparison.Ordinal);
        var round = Rounds(ws).Single();
        Assert.Equal("r1", round.Id);
        Assert.Equal("v1", round.RankedBy);
        var candidates = Path.Combine(ws, round.CandidatesFile!);
        Assert.True(File.Exists(candidates), candidates);
        var queue = Path.Combine(ws, "rounds", "r1", "queue", "candidates.csv");
        Assert.Equal(File.ReadAllText(queue), File.ReadAllText(candidates));
        Assert.Equal(3, File.ReadAllLines(candidates).Length); // header + K = 2
        Assert.Empty(Directory.GetDirectories(Path.Combine(ws, "rounds"), ".*")); // no staging folder left

        // The second round: --model may be given if it is the current version's folder, --out puts the queue elsewhere.
        var second = UgaProcess.Run(["rank", "--workspace", ws, "--model", Path.Combine(ws, "models", "v1"), "--out", dir.File("queue2"), .. Pool(data)]);
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Contains("opened round r2 (ranked by v1)", second.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir.File("queue2"), "candidates.csv")));
        Assert.True(File.Exists(Path.Combine(ws, "rounds", "r2", "candidates.csv")));
        Assert.Contains("excluded 2 candidates", second.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void LaterRoundsNeverRequeueARegionOfAnEarlierRound()
    {
        using var dir = new TempDir();
        var (ws, data) = Workspace(dir);
        var first = UgaProcess.Run(["rank", "--workspace", ws, .. Pool(data, k: 3)]);
        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Contains("excluded 0 candidates", first.Out, StringComparison.Ordinal);

        var second = UgaProcess.Run(["rank", "--workspace", ws, .. Pool(data, k: 3)]);

        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Contains("excluded 3 candidates", second.Out, StringComparison.Ordinal);
        Assert.Contains("\"excludedCandidates\": 3", File.ReadAllText(Path.Combine(ws, "rounds", "r2", "queue", "rank.json")), StringComparison.Ordinal);
        var r1 = Regions(Path.Combine(ws, "rounds", "r1", "candidates.csv"));
        var r2 = Regions(Path.Combine(ws, "rounds", "r2", "candidates.csv"));
        Assert.Equal(3, r1.Count);
        Assert.Equal(3, r2.Count);
        foreach (var (slide, region) in r2)
            Assert.DoesNotContain(r1, old => old.Slide == slide && old.Region.Intersect(region) is { Width: > 0, Height: > 0 });

        // Opting out brings the same model back to the r1 patches (same pool, same scores).
        var third = UgaProcess.Run(["rank", "--workspace", ws, "--include-annotated", .. Pool(data, k: 3)]);
        Assert.True(third.ExitCode == 0, third.Error);
        Assert.Equal(r1, Regions(Path.Combine(ws, "rounds", "r3", "candidates.csv")));
    }

    [Fact]
    public void ExclusionLeavingTooFewCandidatesFailsNamingIt()
    {
        using var dir = new TempDir();
        var (ws, data) = Workspace(dir);
        var first = UgaProcess.Run(["rank", "--workspace", ws, .. Pool(data, k: 4)]);
        Assert.True(first.ExitCode == 0, first.Error);
        int pool = File.ReadAllLines(Path.Combine(ws, "rounds", "r1", "queue", "pool.csv")).Length - 1;

        var second = UgaProcess.Run(["rank", "--workspace", ws, .. Pool(data, k: pool - 3)]);

        Assert.Equal(2, second.ExitCode);
        Assert.Contains($"only {pool - 4} candidates (4 more were excluded as overlapping regions already queued or annotated)", second.Error, StringComparison.Ordinal);
        Assert.Single(Rounds(ws));

        // The rest of the pool in r2, then nothing is left for r3.
        var rest = UgaProcess.Run(["rank", "--workspace", ws, .. Pool(data, k: pool - 4)]);
        Assert.True(rest.ExitCode == 0, rest.Error);
        var none = UgaProcess.Run(["rank", "--workspace", ws, .. Pool(data, k: 1)]);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains($"all {pool} candidates overlap regions already queued or annotated", none.Error, StringComparison.Ordinal);
        Assert.Equal(2, Rounds(ws).Count);
    }

    [Theory]
    [InlineData("missing-workspace", "not a workspace (no workspace.db or workspace.json)")]
    [InlineData("other-model", "is not the workspace's current model v1")]
    [InlineData("pool-too-small", "K = 500 but only")]
    [InlineData("no-model", "give --model or --workspace")]
    [InlineData("include-annotated-alone", "--include-annotated only applies with --workspace")]
    public void BadInputExitsTwoWithOneLineAndWritesNothing(string kind, string expected)
    {
        using var dir = new TempDir();
        var (ws, data) = Workspace(dir);
        var before = Snapshot(ws);
        string[] args = kind switch
        {
            "missing-workspace" => ["--workspace", dir.File("nowhere"), "--out", dir.File("out"), .. Pool(data)],
            "other-model" => ["--workspace", ws, "--model", dir.File("model"), .. Pool(data)],
            "pool-too-small" => ["--workspace", ws, .. Pool(data, k: 500)],
            "include-annotated-alone" => ["--model", Path.Combine(ws, "models", "v1"), "--out", dir.File("out"), "--include-annotated", .. Pool(data)],
            _ => ["--out", dir.File("out"), .. Pool(data)],
        };

        var (code, _, stderr) = UgaProcess.Run(["rank", .. args]);

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(dir.File("nowhere")));
        Assert.False(Directory.Exists(dir.File("out")));
        Assert.Equal(before, Snapshot(ws));
        Assert.False(Directory.Exists(Path.Combine(ws, "rounds")));
    }

    private static string[] Pool(string data, int k = 2) =>
        ["--data", data, "--data-spacing", "0.5", "--k", k.ToString(System.Globalization.CultureInfo.InvariantCulture), "--patch", "32", "--threads", "1"];

    // A workspace on a copy of two real GlaS images (with masks) and a tiny model at 4 µm/px.
    private static (string Workspace, string Data) Workspace(TempDir dir)
    {
        var data = dir.File("data");
        foreach (var stem in new[] { "testA_1", "testA_2" })
        {
            Directory.CreateDirectory(Path.Combine(data, "images"));
            Directory.CreateDirectory(Path.Combine(data, "masks"));
            File.Copy(SharedData.Require("glas", "images", stem + ".jpg"), Path.Combine(data, "images", stem + ".jpg"));
            File.Copy(SharedData.Require("glas", "masks", stem + ".png"), Path.Combine(data, "masks", stem + ".png"));
        }
        var model = TinyModels.Save(dir, ["background", "benign", "malignant"], 4.0, patchSize: 32, normalisation: "none", seed: 70);
        var ws = dir.File("ws");
        var init = UgaProcess.Run("workspace", "init", "--workspace", ws, "--model", model, "--data", data, "--data-spacing", "0.5");
        Assert.True(init.ExitCode == 0, init.Error);
        return (ws, data);
    }

    // (slide, level-0 rectangle) of each row of a candidates.csv.
    private static List<(string Slide, Uga.Imaging.PixelRegion Region)> Regions(string csv) =>
        [.. Uga.Loop.Workspace.CandidateRegions.ReadCsv(csv).Select(r => (r.Slide, r.Level0))];

    private static List<Uga.Loop.Workspace.AnnotationRound> Rounds(string ws)
    {
        using var workspace = Uga.Loop.Workspace.LoopWorkspace.Open(ws);
        return workspace.Manifest.Rounds;
    }

    internal static string Snapshot(string ws)
    {
        using var workspace = Uga.Loop.Workspace.LoopWorkspace.Open(ws);
        return workspace.Snapshot();
    }
}
