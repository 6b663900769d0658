using System.Diagnostics;
using Uga.Imaging;
using Uga.Loop.Workspace;
using Uga.Slides.Writing;

namespace Uga.Cli.Tests;

/// <summary>
/// A round on a real Slurm cluster (one node on this machine, scripts/slurm-local.sh): the prediction array of N = 3
/// units over 4 slides and the dependent reduction give exactly the queue a single `uga rank --workspace` gives.
/// Needs root to start the daemons; skips with the reason otherwise.
/// </summary>
[Collection(nameof(SlurmClusterTests))]
public sealed class SlurmClusterTests
{
    [Fact]
    public async Task ArrayJobAndReductionGiveTheSingleProcessQueue()
    {
        StartCluster();
        using var dir = new TempDir();
        var ws = Workspace(dir);
        var reference = TempDir.CopyTree(ws, dir.File("reference"));
        string[] rankArgs = ["--k", "3", "--patch", "32"];
        var single = UgaProcess.Run(["rank", "--workspace", reference, "--threads", "1", .. rankArgs]);
        Assert.True(single.ExitCode == 0, single.Error);

        var missing = UgaProcess.Run(["rank", "--workspace", ws, "--units", "3", .. rankArgs]);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("3 of 3 prediction units not done: 1/3, 2/3, 3/3", missing.Error, StringComparison.Ordinal);

        var submit = UgaProcess.Run("cluster", "slurm", "--workspace", ws, "--units", "3", "--submit", "--rank-args", string.Join(' ', rankArgs));
        Assert.True(submit.ExitCode == 0, submit.Error);
        Assert.Contains("submitted prediction array job", submit.Out, StringComparison.Ordinal);
        await WaitForJobs(ws, TimeSpan.FromMinutes(8));

        var status = UgaProcess.Run("cluster", "status", "--workspace", ws, "--units", "3");
        Assert.True(status.ExitCode == 0, status.Error);
        Assert.Contains("3 units: all done", status.Out, StringComparison.Ordinal);
        Assert.Equal(Queue(reference), Queue(ws));
        // The units measured their slides' candidates; the reduction read those features, not the maps.
        var reduction = File.ReadAllText(Directory.GetFiles(Path.Combine(ws, "cluster", "logs"), "rank-*.out").Single());
        Assert.Contains("0 patch forwards through the networks; candidate features: 4 slides' read from their artifacts", reduction, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelledUnitIsNamedAndItsResubmissionAloneFinishesTheRound()
    {
        StartCluster();
        using var dir = new TempDir();
        var ws = Workspace(dir);
        var reference = TempDir.CopyTree(ws, dir.File("reference"));
        string[] rankArgs = ["--k", "3", "--patch", "32"];
        Assert.Equal(0, UgaProcess.Run(["rank", "--workspace", reference, "--threads", "1", .. rankArgs]).ExitCode);

        // One unit at a time, so unit 3 is still pending when it is cancelled; the reduction then can never run.
        var submit = UgaProcess.Run("cluster", "slurm", "--workspace", ws, "--units", "3", "--array-parallel", "1", "--submit", "--rank-args", string.Join(' ', rankArgs));
        Assert.True(submit.ExitCode == 0, submit.Error);
        var arrayJob = Uga.Loop.Cluster.Slurm.Submitted(ws)[0].JobId;
        Assert.Equal(0, UgaProcess.RunTool("scancel", $"{arrayJob}_3").ExitCode);
        await WaitForJobs(ws, TimeSpan.FromMinutes(8));

        var status = UgaProcess.Run("cluster", "status", "--workspace", ws, "--units", "3");
        Assert.Contains("unit 3/3: 1 of 1 slides not done: testA_3 (no artifact)", status.Out, StringComparison.Ordinal);
        Assert.Contains("--only 3 --submit", status.Out, StringComparison.Ordinal);
        using (var workspace = LoopWorkspace.Open(ws)) Assert.Empty(workspace.Manifest.Rounds);   // no reduction ran

        var again = UgaProcess.Run("cluster", "slurm", "--workspace", ws, "--units", "3", "--only", "3", "--submit", "--rank-args", string.Join(' ', rankArgs));
        Assert.True(again.ExitCode == 0, again.Error);
        await WaitForJobs(ws, TimeSpan.FromMinutes(8));
        Assert.Contains("3 units: all done", UgaProcess.Run("cluster", "status", "--workspace", ws, "--units", "3").Out, StringComparison.Ordinal);
        Assert.Equal(Queue(reference), Queue(ws));
    }

    [Fact]
    public async Task A_fine_tuning_job_comes_first_and_the_round_is_ranked_by_the_new_version()
    {
        StartCluster();
        using var dir = new TempDir();
        var ws = Workspace(dir);
        // A pathologist's answer for one region of testA_1: a malignant square in a 400-px candidate rectangle.
        var factory = new NetTopologySuite.Geometries.GeometryFactory();
        var set = new Uga.Annotations.AnnotationSet();
        set.Annotations.Add(new Uga.Annotations.Annotation("UGA 1", "UGA candidates", factory.ToGeometry(new NetTopologySuite.Geometries.Envelope(0, 400, 0, 400)), Uga.Annotations.AnnotationShape.Rectangle));
        set.Annotations.Add(new Uga.Annotations.Annotation("p1", "malignant", factory.ToGeometry(new NetTopologySuite.Geometries.Envelope(100, 300, 100, 300))));
        var xml = dir.File("answer.xml");
        Uga.Annotations.AnnotationFiles.Write(set, xml);
        var import = UgaProcess.Run("annotations", "import", "--workspace", ws, xml, "--slide", dir.File("testA_1.tif"), "--unlabelled", "background");
        Assert.True(import.ExitCode == 0, import.Error);

        var submit = UgaProcess.Run("cluster", "slurm", "--workspace", ws, "--units", "2", "--finetune", "--finetune-args", "--steps 4 --batch 2",
            "--rank-args", "--k 3 --patch 32", "--submit");
        Assert.True(submit.ExitCode == 0, submit.Error);
        Assert.Contains("submitted fine-tuning job", submit.Out, StringComparison.Ordinal);
        Assert.Equal(["finetune", "predict", "reduce"], Uga.Loop.Cluster.Slurm.Submitted(ws).Select(j => j.Kind));
        await WaitForJobs(ws, TimeSpan.FromMinutes(8));

        using var workspace = LoopWorkspace.Open(ws);
        Assert.Equal(["v1", "v2"], workspace.Manifest.Versions.Select(v => v.Id));
        Assert.Equal(["r1", "r2"], workspace.Manifest.Rounds.Select(r => r.Id));
        Assert.Equal("v2", workspace.Manifest.Rounds[^1].RankedBy);
    }

    private static void StartCluster()
    {
        var (code, error) = UgaProcess.RunTool("bash", Path.Combine(SharedData.RepoRoot, "scripts", "slurm-local.sh"), "start");
        if (code != 0) Assert.Skip($"no local Slurm cluster: {error.Trim()}");
    }

    // Four GlaS images as pyramidal TIFF slides and a tiny model at 4 µm/px (6 candidates of 32 px per slide).
    private static string Workspace(TempDir dir)
    {
        var data = dir.File("data");
        Directory.CreateDirectory(Path.Combine(data, "images"));
        Directory.CreateDirectory(Path.Combine(data, "masks"));
        var slides = new List<string>();
        foreach (var stem in new[] { "testA_1", "testA_2", "testA_3", "testA_4" })
        {
            var image = SharedData.Require("glas", "images", stem + ".jpg");
            File.Copy(image, Path.Combine(data, "images", stem + ".jpg"));
            File.Copy(SharedData.Require("glas", "masks", stem + ".png"), Path.Combine(data, "masks", stem + ".png"));
            var slide = dir.File(stem + ".tif");
            PyramidalTiffWriter.Write(slide, ImageFile.ReadRgb(image), 0.5);
            slides.Add(slide);
        }
        var model = TinyModels.Save(dir, ["background", "benign", "malignant"], 4.0, patchSize: 32, normalisation: "none", seed: 70);
        var ws = dir.File("ws");
        foreach (var step in new[]
        {
            new[] { "workspace", "init", "--workspace", ws, "--model", model, "--data", data, "--data-spacing", "0.5" },
            ["workspace", "add-slides", "--workspace", ws, .. slides],
        })
        {
            var r = UgaProcess.Run(step);
            Assert.True(r.ExitCode == 0, r.Error);
        }
        return ws;
    }

    private static async Task WaitForJobs(string ws, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        var ids = Uga.Loop.Cluster.Slurm.Submitted(ws).Select(j => j.JobId).ToList();
        while (Uga.Loop.Cluster.Slurm.Queue(ids).Count > 0)
        {
            Assert.True(clock.Elapsed < limit, $"Slurm jobs {string.Join(",", ids)} still queued after {limit}");
            await Task.Delay(1000, TestContext.Current.CancellationToken);
        }
        var logs = Path.Combine(ws, "cluster", "logs");
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", Directory.EnumerateFiles(logs).Select(f => $"{Path.GetFileName(f)}: {File.ReadAllText(f)}")));
    }

    // The newest round's candidates file, as text (slide ids, regions, scores, ranks).
    private static string Queue(string ws)
    {
        using var workspace = LoopWorkspace.Open(ws);
        var round = workspace.Manifest.Rounds[^1];
        return File.ReadAllText(workspace.PathOf(round.CandidatesFile!));
    }
}
