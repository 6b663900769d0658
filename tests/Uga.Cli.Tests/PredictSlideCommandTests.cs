using System.Text.Json;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;
using Uga.Slides;

namespace Uga.Cli.Tests;

/// <summary>
/// Runs the real `uga predict --slide` on the small CMU-1 SVS region with a tiny (untrained) two-member ensemble at
/// 2 µm/px, so the whole slide is a few hundred pixels wide and the run takes seconds.
/// </summary>
public sealed class PredictSlideCommandTests
{
    private const double ModelSpacing = 2.0;

    // Batch norm: exercises the BatchNorm folding of the predict process.
    private static string TinyModel(TempDir dir) =>
        TinyModels.Save(dir, ["background", "tumour", "stroma"], ModelSpacing, patchSize: 64, seed: 70);


    [Fact]
    public void Predict_slide_writes_pyramidal_maps_previews_tissue_and_summary()
    {
        var slidePath = SharedData.Require("slides", "cmu-1-small-region.svs");
        Assert.SkipUnless(SlideFactory.IsOpenSlideAvailable, "libopenslide is not installed (scripts/setup.sh installs it)");
        using var dir = new TempDir();
        var model = TinyModel(dir);
        var outDir = dir.File("out");

        var (code, stdout, stderr) = UgaProcess.Run("predict", "--model", model, "--slide", slidePath, "--out", outDir, "--batch", "8", "--block", "512");
        Assert.True(code == 0, stderr);
        Assert.Contains("predicted cmu-1-small-region", stdout);
        // Progress goes to standard error and ends with every counted patch done (border patches count per block).
        var last = stderr.Split('\n').Last(l => l.StartsWith("predict slide ", StringComparison.Ordinal)).Split("  ")[1].Split('/');
        Assert.Equal(last[1], last[0]);

        long width, height;
        using (var slide = SlideFactory.Open(slidePath)) (width, height) = slide.SizeAt(ModelSpacing);
        foreach (var map in new[] { "labels", "uncertainty" })
        {
            using var reopened = SlideFactory.Open(Path.Combine(outDir, $"cmu-1-small-region.{map}.tif"));
            Assert.Equal("generic-tiff", reopened.Vendor);
            Assert.True(reopened.Levels.Count >= 2, $"{map}: a pyramid, not one level");
            Assert.Equal((width, height), (reopened.Levels[0].Width, reopened.Levels[0].Height));
            Assert.Equal(ModelSpacing, reopened.Spacing, 3);
        }
        foreach (var preview in new[] { "labels-preview", "uncertainty-preview", "tissue" })
            Assert.True(ImageFile.ReadSize(Path.Combine(outDir, $"cmu-1-small-region.{preview}.png")).Width > 16, preview);

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "cmu-1-small-region.summary.json")));
        var root = summary.RootElement;
        Assert.Equal(ModelSpacing, root.GetProperty("spacingUm").GetDouble(), 6);
        Assert.Equal("ensemble-ce", root.GetProperty("uncertainty").GetProperty("measure").GetString());
        Assert.Equal(2 * Math.Log(3), root.GetProperty("uncertainty").GetProperty("gray8Scale").GetProperty("max").GetDouble(), 6);
        Assert.True(root.GetProperty("patchesPredicted").GetInt64() > 0, "the region is mostly tissue");
        Assert.Equal(last[1], root.GetProperty("patchesPredicted").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
        double fractions = root.GetProperty("classFractions").EnumerateArray().Sum(c => c.GetProperty("fraction").GetDouble());
        Assert.Equal(1.0, fractions, 9);
        Assert.Equal(6, Directory.GetFiles(outDir).Length); // no temporary files left
    }

    [Fact]
    public async Task Interrupt_stops_cleanly_with_exit_code_130_and_no_final_files()
    {
        var slidePath = SharedData.Require("slides", "cmu-1-small-region.svs");
        Assert.SkipUnless(SlideFactory.IsOpenSlideAvailable, "libopenslide is not installed (scripts/setup.sh installs it)");
        using var dir = new TempDir();
        // Eight members: on an idle machine the two-member model finished the whole slide before the interrupt landed.
        var model = TinyModels.Save(dir, ["background", "tumour", "stroma"], ModelSpacing, patchSize: 64, members: 8, seed: 70);
        var outDir = dir.File("out");
        // Claiming 1 µm/px makes the region 4x the area at 2 µm/px: ample time.
        using var process = UgaProcess.Start(null, "predict", "--model", model, "--slide", slidePath, "--out", outDir, "--spacing", "1.0", "--batch", "2");
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var progress = await process.StandardError.ReadLineAsync(TestContext.Current.CancellationToken); // the first progress line: the maps are being written
        Assert.StartsWith("predict slide", progress);
        UgaProcess.RunTool("kill", "-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}: {stderr}");
        Assert.Contains("interrupted", stderr);
        Assert.Empty(Directory.GetFiles(outDir)); // temporary files deleted, nothing under the final names
        Assert.DoesNotContain("wrote", await stdout);
    }

    [Fact]
    public void Bad_slide_inputs_are_one_line_user_errors_and_write_nothing()
    {
        using var dir = new TempDir();
        var model = TinyModel(dir);
        var png = dir.File("plain.png");
        ImageFile.WritePng(new RgbImage(64, 48), png);
        var cases = new (string[] Args, string Message)[]
        {
            (["--slide", dir.File("missing.svs")], "missing.svs: file not found"),
            (["--slide", png, "--image", png], "give exactly one of --image FILE or --slide FILE"),
            (["--slide", png], "no pixel spacing in the file"),
            (["--slide", png, "--spacing", "0.5", "--block", "300"], "block size must be a positive multiple of the tile size"),
        };
        foreach (var (args, message) in cases)
        {
            var outDir = dir.File("out");
            var (code, _, stderr) = UgaProcess.Run(["predict", "--model", model, "--out", outDir, .. args]);
            Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}: {stderr}");
            Assert.Contains(message, stderr);
            Assert.Single(stderr.Trim().Split('\n'));
            Assert.False(Directory.Exists(outDir), $"{string.Join(' ', args)} created the output folder");
        }
    }
}
