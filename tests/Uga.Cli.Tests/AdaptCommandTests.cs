using TorchSharp.Modules;
using Uga.Learning;
using Uga.Slides;

namespace Uga.Cli.Tests;

/// <summary>`uga adapt` on the real CMU-1 slide: a model folder to a new one, and a workspace's next version.</summary>
public sealed class AdaptCommandTests
{
    private static string Cmu1()
    {
        var slide = SharedData.Require("slides", "cmu-1-small-region.svs");
        Assert.SkipUnless(SlideFactory.IsOpenSlideAvailable, "libopenslide is not installed (scripts/setup.sh installs it)");
        return slide;
    }

    private static float[] RunningMeans(string modelDir)
    {
        using var model = Ensemble.Load(modelDir);
        return [.. model.Members[0].modules().OfType<BatchNorm2d>().SelectMany(bn => bn.running_mean!.data<float>().ToArray())];
    }

    [Fact]
    public void ModelFolderIsAdaptedToTheSlideIntoANewFolder()
    {
        var slide = Cmu1();
        using var dir = new TempDir();
        var model = TinyModels.Save(dir, ["background", "tumour"], 1.0);
        var before = File.ReadAllBytes(Path.Combine(model, "member-0.pt"));
        var result = UgaProcess.Run("adapt", "--model", model, "--slide", slide, "--out", dir.File("adapted"), "--tiles", "16", "--batch", "4", "--threads", "1");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("on 16 target tiles of 32 px", result.Out);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(model, "member-0.pt")));
        // An untrained model's statistics are 0; the slide's tissue moves every one of the first layer's.
        Assert.All(RunningMeans(model), v => Assert.Equal(0f, v));
        Assert.Contains(RunningMeans(dir.File("adapted")), v => Math.Abs(v) > 1e-3);
    }

    [Fact]
    public void WorkspaceGetsAnAdaptedVersionWithLineage()
    {
        var slide = Cmu1();
        using var dir = new TempDir();
        var ws = dir.File("ws");
        var (model, data, _) = WorkspaceCommandTests.Inputs(dir);
        Assert.Equal(0, UgaProcess.Run("workspace", "init", "--workspace", ws, "--model", model, "--data", data, "--data-spacing", "1").ExitCode);
        Assert.Equal(0, UgaProcess.Run("workspace", "add-slides", "--workspace", ws, slide).ExitCode);
        var adapt = UgaProcess.Run("adapt", "--workspace", ws, "--tiles", "16", "--batch", "4", "--threads", "1");
        Assert.True(adapt.ExitCode == 0, adapt.Error);
        Assert.Contains("adapted v1 -> v2 (BatchNorm statistics re-estimated on 16 target tiles of 1 slides)", adapt.Out);
        var status = UgaProcess.Run("workspace", "status", "--workspace", ws);
        Assert.Contains("lineage: v2", status.Out);
        Assert.Contains(RunningMeans(Path.Combine(ws, "models", "v2")), v => Math.Abs(v) > 1e-3);
    }

    [Theory]
    [InlineData("no-out", "--out is required with --model")]
    [InlineData("both", "give the target as --slide ... or --data DIR (one of them)")]
    [InlineData("missing-slide", "nope.svs: slide file not found")]
    [InlineData("batch", "adaptation batch size must be at least 2")]
    public void BadInputIsOneLineAndWritesNothing(string kind, string expected)
    {
        using var dir = new TempDir();
        var model = TinyModels.Save(dir, ["background", "tumour"], 1.0);
        string[] args = kind switch
        {
            "no-out" => ["--slide", dir.File("nope.svs")],
            "both" => ["--slide", dir.File("nope.svs"), "--data", dir.Path, "--out", dir.File("adapted")],
            "missing-slide" => ["--slide", dir.File("nope.svs"), "--out", dir.File("adapted")],
            _ => ["--slide", dir.File("nope.svs"), "--out", dir.File("adapted"), "--batch", "1"],
        };
        var result = UgaProcess.Run(["adapt", "--model", model, .. args]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, result.Error);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(Directory.Exists(dir.File("adapted")));
    }
}
