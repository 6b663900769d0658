using System.Diagnostics;
using System.Text.Json.Nodes;
using Uga.Inference;
using Uga.Inference.Artifacts;
using Uga.Loop.Workspace;

namespace Uga.Cli.Tests;

/// <summary>
/// kill -9 at spread-out points of each command that writes a workspace: afterwards the workspace opens, every
/// annotation acknowledged before the kill is still there, every model version and prediction artifact the
/// workspace can see is complete, and running the command again completes the work exactly once.
/// UGA_KILL_POINTS (default 3) sets the kill points per command; docs/reliability.md has a long run's figures.
/// </summary>
public sealed class KillDurabilityTests
{
    private static int KillPoints => int.TryParse(Environment.GetEnvironmentVariable("UGA_KILL_POINTS"), out var n) && n > 0 ? n : 3;

    [Theory]
    [InlineData("import")]
    [InlineData("finetune")]
    [InlineData("predict")]
    [InlineData("rank")]
    public async Task KilledAnywhereLosesNothingAndTheRerunCompletesOnce(string command)
    {
        using var dir = new TempDir();
        var template = Template(dir);
        var second = WorkspaceCommandTests.Asap(dir, "background", "second.xml", offset: 2);
        string[] Args(string ws) => command switch
        {
            "import" => ["annotations", "import", "--workspace", ws, second, "--slide", dir.File("slide.tif")],
            "finetune" => ["finetune", "--workspace", ws, "--steps", "6", "--batch", "2", "--threads", "1"],
            "predict" => ["predict", "--workspace", ws, "--threads", "1"],
            _ => ["rank", "--workspace", ws, "--data", Glas(dir), "--data-spacing", "0.5", "--k", "2", "--patch", "32", "--threads", "1"],
        };

        var before = State(template);
        var reference = TempDir.CopyTree(template, dir.File("reference"));
        var clock = Stopwatch.StartNew();
        var full = await UgaProcess.RunAsync(null, Args(reference));
        Assert.True(full.ExitCode == 0, full.Error);
        var duration = clock.Elapsed;
        var expected = State(reference);

        for (int k = 1; k <= KillPoints; k++)
        {
            var ws = TempDir.CopyTree(template, dir.File($"kill-{k}"));
            var acknowledged = Annotations(ws);
            await RunAndKill(Args(ws), duration * k / (KillPoints + 1));
            Assert.Subset(Annotations(ws), acknowledged);   // opens, and nothing acknowledged is lost
            // All or nothing in the store: as before the command or as after a full run, never in between.
            // Prediction artifacts are a cache written one by one: each present one is complete (checked in State).
            var killed = State(ws);
            Assert.True(killed == before || killed == expected, $"kill at {k}/{KillPoints + 1} left {killed}; before: {before}; complete: {expected}");
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{command}: kill {k}/{KillPoints} at {(duration * k / (KillPoints + 1)).TotalMilliseconds:F0} ms left the store {(killed == before ? "as before" : "complete")}; acknowledged annotations lost: 0");
            if (killed == expected) continue;
            var rerun = await UgaProcess.RunAsync(null, Args(ws));
            Assert.True(rerun.ExitCode == 0, $"rerun after a kill at {k}/{KillPoints + 1}: {rerun.Error}");
            Assert.Equal(expected, State(ws));
            Assert.Equal(Artifacts(reference).Count(), Artifacts(ws).Count());
        }
    }

    private static string Template(TempDir dir)
    {
        var ws = dir.File("template");
        WorkspaceCommandTests.WorkspaceWithOneRound(dir, ws);
        return ws;
    }

    // Two real GlaS images (with masks) as the rank pool: the phantom slide is one flat colour, no tissue to rank.
    internal static string Glas(TempDir dir)
    {
        var data = dir.File("glas");
        if (Directory.Exists(data)) return data;
        Directory.CreateDirectory(Path.Combine(data, "images"));
        Directory.CreateDirectory(Path.Combine(data, "masks"));
        foreach (var stem in new[] { "testA_1", "testA_2" })
        {
            File.Copy(SharedData.Require("glas", "images", stem + ".jpg"), Path.Combine(data, "images", stem + ".jpg"));
            File.Copy(SharedData.Require("glas", "masks", stem + ".png"), Path.Combine(data, "masks", stem + ".png"));
        }
        return data;
    }

    private static async Task RunAndKill(string[] args, TimeSpan after)
    {
        using var process = UgaProcess.Start(null, args);
        var cancel = TestContext.Current.CancellationToken;
        var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(cancel), process.StandardError.ReadToEndAsync(cancel));
        await Task.Delay(after, cancel);
        if (!process.HasExited) process.Kill(entireProcessTree: true);   // SIGKILL: no handler runs
        await process.WaitForExitAsync(cancel);
        await drain;
    }

    /// <summary>What the store holds, as counts: versions, rounds, candidates and annotations.</summary>
    private static string State(string ws)
    {
        AssertEverythingVisibleIsComplete(ws);
        using var workspace = LoopWorkspace.Open(ws);
        var snapshot = JsonNode.Parse(workspace.Snapshot())!;
        int Count(JsonNode? n) => n?.AsArray().Count ?? 0;
        return $"versions {Count(snapshot["manifest"]?["versions"])}, rounds {Count(snapshot["manifest"]?["rounds"])}, "
            + $"candidates {Count(snapshot["candidates"])}, annotations {Count(snapshot["annotations"])}";
    }

    private static HashSet<string> Annotations(string ws)
    {
        using var workspace = LoopWorkspace.Open(ws);
        return [.. JsonNode.Parse(workspace.Snapshot())!["annotations"]!.AsArray().Select(a => a!.ToJsonString())];
    }

    // Every model version the workspace lists loads its manifest and has its members; every artifact opens.
    private static void AssertEverythingVisibleIsComplete(string ws)
    {
        using var workspace = LoopWorkspace.Open(ws);
        foreach (var version in workspace.Manifest.Versions)
        {
            var folder = Path.Combine(ws, version.Folder);
            var manifest = ModelManifest.Read(Path.Combine(folder, ModelManifest.FileName));
            Assert.All(manifest.MemberFiles, m => Assert.True(new FileInfo(Path.Combine(folder, m)).Length > 0, $"{version.Id}/{m} is empty"));
        }
        foreach (var artifact in Artifacts(ws)) _ = PredictionArtifact.Open(artifact);
    }

    private static IEnumerable<string> Artifacts(string ws) => Directory.Exists(Path.Combine(ws, "artifacts"))
        ? Directory.EnumerateDirectories(Path.Combine(ws, "artifacts"), "*" + PredictionArtifact.Extension)
        : [];
}
