using NetTopologySuite.Geometries;
using Uga.Annotations;
using Uga.Imaging;
using Uga.Slides.Writing;

namespace Uga.Cli.Tests;

/// <summary>The real `uga workspace init/round/status`, `uga annotations import` and `uga finetune` on tiny inputs.</summary>
public sealed class WorkspaceCommandTests
{
    private static readonly GeometryFactory Factory = new();

    [Fact]
    public void InitImportFinetuneStatus()
    {
        using var dir = new TempDir();
        var ws = dir.File("ws");
        var (model, data, slide) = Inputs(dir);
        var xml = Asap(dir, "tumour");

        var init = UgaProcess.Run("workspace", "init", "--workspace", ws, "--model", model, "--data", data, "--data-spacing", "1");
        Assert.True(init.ExitCode == 0, init.Error);
        var import = UgaProcess.Run("annotations", "import", "--workspace", ws, xml, "--slide", slide, "--unlabelled", "background");
        Assert.True(import.ExitCode == 0, import.Error);
        Assert.Contains("round r1: 1 candidate patches", import.Out, StringComparison.Ordinal);
        var tune = UgaProcess.Run("finetune", "--workspace", ws, "--steps", "4", "--patch-share", "0.6", "--batch", "2", "--threads", "1",
            "--trainable", "surgical", "--stain-jitter", "2");
        Assert.True(tune.ExitCode == 0, tune.Error);
        Assert.Contains("fine-tuned v1 -> v2", tune.Out, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(ws, "models", "v2", "manifest.json")));

        var status = UgaProcess.Run("workspace", "status", "--workspace", ws);
        Assert.True(status.ExitCode == 0, status.Error);
        Assert.Contains("v2", status.Out, StringComparison.Ordinal);
        Assert.Contains("lineage: v2 [+r1] <- v1", status.Out, StringComparison.Ordinal);
        Assert.Contains("stain jitter x2, surgical (first block and norms)", status.Out, StringComparison.Ordinal);
        Assert.Contains("r1  ranked by v1", status.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stroma", "unknown class 'stroma'")]
    [InlineData("text", "annotations.txt")]
    public void BadImportExitsTwoWithOneLine(string kind, string expected)
    {
        using var dir = new TempDir();
        var ws = dir.File("ws");
        var (model, data, slide) = Inputs(dir);
        Assert.Equal(0, UgaProcess.Run("workspace", "init", "--workspace", ws, "--model", model, "--data", data, "--data-spacing", "1").ExitCode);
        var file = kind == "text" ? dir.File("annotations.txt") : Asap(dir, kind);
        if (kind == "text") File.WriteAllText(file, "hello");
        var before = RankWorkspaceCommandTests.Snapshot(ws);

        var (code, _, stderr) = UgaProcess.Run("annotations", "import", "--workspace", ws, file, "--slide", slide);

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Equal(before, RankWorkspaceCommandTests.Snapshot(ws));
        Assert.False(Directory.Exists(Path.Combine(ws, "rounds")));
    }

    [Fact]
    public async Task A_killed_import_loses_nothing_acknowledged_and_two_imports_at_once_both_land()
    {
        using var dir = new TempDir();
        var ws = dir.File("ws");
        var (model, data, slide) = Inputs(dir);
        Assert.Equal(0, UgaProcess.Run("workspace", "init", "--workspace", ws, "--model", model, "--data", data, "--data-spacing", "1").ExitCode);
        var first = Asap(dir, "tumour");
        Assert.Equal(0, UgaProcess.Run("annotations", "import", "--workspace", ws, first, "--slide", slide).ExitCode);
        var acknowledged = RankWorkspaceCommandTests.Snapshot(ws);

        // The process dies inside the store's transaction, between the import row and its annotations.
        var second = Asap(dir, "background", "second.xml");
        var killed = await UgaProcess.RunAsync(new Dictionary<string, string> { ["UGA_STORE_KILL_AT"] = "import:after-import-row" },
            "annotations", "import", "--workspace", ws, second, "--slide", slide);
        Assert.NotEqual(0, killed.ExitCode);
        Assert.NotEqual(2, killed.ExitCode);
        Assert.Equal(acknowledged, RankWorkspaceCommandTests.Snapshot(ws));

        // Rerunning completes it, alongside a third import started at the same moment.
        var third = Asap(dir, "tumour", "third.xml", offset: 4);
        var results = await Task.WhenAll(
            UgaProcess.RunAsync(null, "annotations", "import", "--workspace", ws, second, "--slide", slide),
            UgaProcess.RunAsync(null, "annotations", "import", "--workspace", ws, third, "--slide", slide));
        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.Error));
        var (code, status, _) = UgaProcess.Run("workspace", "status", "--workspace", ws);
        Assert.Equal(0, code);
        Assert.Contains("r1  ranked by v1  candidates from annotation files, 3 annotations", status, StringComparison.Ordinal);
    }

    [Fact]
    public void Workspace_slides_are_predicted_by_shard_and_a_second_run_skips_current_artifacts()
    {
        using var dir = new TempDir();
        var ws = dir.File("ws");
        var (model, data, slide) = Inputs(dir);
        Assert.Equal(0, UgaProcess.Run("workspace", "init", "--workspace", ws, "--model", model, "--data", data, "--data-spacing", "1").ExitCode);
        var added = UgaProcess.Run("workspace", "add-slides", "--workspace", ws, slide);
        Assert.True(added.ExitCode == 0, added.Error);
        Assert.Contains("registered slide: 96x96 px at 1 µm/px", added.Out, StringComparison.Ordinal);

        var first = UgaProcess.Run("predict", "--workspace", ws, "--shard", "1/1", "--threads", "1", "--rank-args", "--k 2 --patch 32");
        var again = UgaProcess.Run("predict", "--workspace", ws, "--threads", "1", "--slides", "slide");

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Contains("slide: predicted", first.Out, StringComparison.Ordinal);
        Assert.Contains("; candidate features stored", first.Out, StringComparison.Ordinal);
        Assert.Contains("shard 1/1: 1 slides with model v1, 1 predicted, 0 already current", first.Out, StringComparison.Ordinal);
        Assert.Contains("shard 1/1: 1 slides with model v1, 0 predicted, 1 already current", again.Out, StringComparison.Ordinal);
        Assert.Contains("; candidate features stored", again.Out, StringComparison.Ordinal); // rank's defaults: another grid
        Assert.True(Directory.Exists(Path.Combine(ws, "artifacts", "slide.prediction.zarr")));
        foreach (var (args, message) in new (string[], string)[]
        {
            (["--workspace", ws, "--shard", "2/1"], "--shard '2/1' must be i/N"),
            (["--workspace", ws, "--rank-args", "--patch 32"], "--rank-args: Option '--k' is required"),
            (["--workspace", ws, "--rank-args", "--k 2 --out x"], "--rank-args: --out is not a ranking option"),
            (["--workspace", ws, "--slides", "slide,nope"], "slide 'nope' is not registered (registered: slide)"),
            (["--workspace", ws, "--model", model], "give no --model, --out, --image or --slide"),
            (["--model", model, "--out", dir.File("o"), "--slide", slide, "--shard", "1/2"], "--shard only applies with --workspace"),
        })
        {
            var (code, _, stderr) = UgaProcess.Run(["predict", .. args]);
            Assert.Equal(2, code);
            Assert.Contains(message, stderr, StringComparison.Ordinal);
        }
    }

    // A 96×96 slide at 1 µm/px, a tiny model at 1 µm/px and a one-image dataset.
    internal static (string Model, string Data, string Slide) Inputs(TempDir dir)
    {
        var model = TinyModels.Save(dir, ["background", "tumour"], 1.0);
        var image = new RgbImage(96, 96);
        for (int i = 0; i < image.Data.Length; i += 3) (image.Data[i], image.Data[i + 1], image.Data[i + 2]) = ((byte)220, (byte)160, (byte)200);
        var slide = dir.File("slide.tif");
        PyramidalTiffWriter.Write(slide, image, 1.0);
        var data = dir.File("data");
        var mask = new LabelMap(96, 96);
        for (int y = 30; y < 60; y++)
            for (int x = 30; x < 60; x++) mask[x, y] = 1;
        ImageFile.WritePng(image, Path.Combine(data, "images", "case.png"));
        ImageFile.WritePng(mask, Path.Combine(data, "masks", "case.png"));
        return (model, data, slide);
    }

    /// <summary>A workspace at <paramref name="ws"/> with the tiny model, the slide registered and one imported round; returns the slide.</summary>
    internal static string WorkspaceWithOneRound(TempDir dir, string ws)
    {
        var (model, data, slide) = Inputs(dir);
        var xml = Asap(dir, "tumour");
        foreach (string[] step in new[]
        {
            new[] { "workspace", "init", "--workspace", ws, "--model", model, "--data", data, "--data-spacing", "1" },
            ["workspace", "add-slides", "--workspace", ws, slide],
            ["annotations", "import", "--workspace", ws, xml, "--slide", slide],
        })
        {
            var r = UgaProcess.Run(step);
            Assert.True(r.ExitCode == 0, r.Error);
        }
        return slide;
    }

    internal static string Asap(TempDir dir, string className, string? name = null, int offset = 0)
    {
        var set = new AnnotationSet();
        set.Annotations.Add(new Annotation("UGA 1", "UGA candidates", Factory.ToGeometry(new Envelope(16, 80, 16, 80)), AnnotationShape.Rectangle));
        set.Annotations.Add(new Annotation("p1", className, Factory.ToGeometry(new Envelope(30 + offset, 50, 30, 50))));
        var path = dir.File(name ?? $"{className}.xml");
        AnnotationFiles.Write(set, path);
        return path;
    }
}
