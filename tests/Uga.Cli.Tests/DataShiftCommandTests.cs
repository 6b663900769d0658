using System.Diagnostics;
using Uga.Imaging;
using Uga.Imaging.Shift;
using Uga.Inference;
using Uga.Learning;

namespace Uga.Cli.Tests;

/// <summary>Runs the real `uga data shift` on two GlaS images, as a user would.</summary>
public sealed class DataShiftCommandTests
{

    [Fact]
    public void Lab_b_shift_of_two_glas_images_recolours_them_and_keeps_the_masks()
    {
        var glas = SharedData.Require("glas");
        using var dir = new TempDir();
        var output = dir.File("lab-b");
        var (code, stdout, stderr) = UgaProcess.Run("data", "shift", "--data", glas, "--where", "split=testA", "--where", "patient=13",
            "--data-spacing", "0.62", "--preset", "lab-b", "--jpeg-quality", "85", "--seed", "7", "--out", output);
        Assert.True(code == 0, stderr);
        Assert.Contains("shift: 2 images, preset lab-b, seed 7", stdout);

        var table = CasesTable.Read(Path.Combine(output, "cases.csv"));
        Assert.Equal("13", table.Value("testA_44", "patient"));
        Assert.Equal("lab-b", table.Value("testA_50", "shift_preset"));
        Assert.Contains("\"jpegQuality\": 85", File.ReadAllText(Path.Combine(output, "shift.json")));
        var labB = StainModel.FromTwoStains(StainModel.HAndE.Vector(0), LabShiftPresets.Get("lab-b").TargetEosin!);
        foreach (var stem in new[] { "testA_44", "testA_50" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(glas, "masks", stem + ".png")), File.ReadAllBytes(Path.Combine(output, "masks", stem + ".png")));
            var before = ImageFile.ReadRgb(Path.Combine(glas, "images", stem + ".jpg"));
            var after = ImageFile.ReadRgb(Path.Combine(output, "images", stem + ".jpg"));
            Assert.Equal((before.Width, before.Height), (after.Width, after.Height));
            // lab-b stains haematoxylin 25% longer (± 5% per image): deconvolved with each lab's own vectors, H rises.
            double h0 = MeanHaematoxylin(before, StainModel.HAndE), h1 = MeanHaematoxylin(after, labB);
            Assert.True(h1 > 1.1 * h0, $"{stem}: H {h1} vs {h0}");
        }
    }

    [Fact]
    public void Unknown_preset_absurd_quality_and_output_inside_the_data_are_user_errors()
    {
        var glas = SharedData.Require("glas");
        using var dir = new TempDir();
        var preset = UgaProcess.Run("data", "shift", "--data", glas, "--preset", "lab-q", "--out", dir.File("x"));
        Assert.Equal(2, preset.ExitCode);
        Assert.Contains("unknown preset 'lab-q' (valid: lab-b, faded, scanner-blue, strong)", preset.Error);
        var quality = UgaProcess.Run("data", "shift", "--data", glas, "--jpeg-quality", "0", "--out", dir.File("x"));
        Assert.Equal(2, quality.ExitCode);
        Assert.Contains("JPEG quality must be 1..100", quality.Error);
        var inside = UgaProcess.Run("data", "shift", "--data", glas, "--out", Path.Combine(glas, "shifted"));
        Assert.Equal(2, inside.ExitCode);
        Assert.Contains("inside the dataset", inside.Error);
        Assert.False(Directory.Exists(Path.Combine(glas, "shifted")));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    private static double MeanHaematoxylin(RgbImage image, StainModel stains)
    {
        var c = stains.Concentrations(image);
        double sum = 0;
        for (int i = 0; i < c.Length; i += 3) sum += c[i];
        return sum / (c.Length / 3);
    }
}
