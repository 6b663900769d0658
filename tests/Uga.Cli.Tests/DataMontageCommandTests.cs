using System.Diagnostics;
using NetVips;
using Uga.Imaging;
using Uga.Slides.Montage;

namespace Uga.Cli.Tests;

/// <summary>Runs the real `uga` executable, as a user would, on a slice of GlaS selected with --where.</summary>
public sealed class DataMontageCommandTests
{

    [Fact]
    public void Montage_of_a_filtered_glas_slice_matches_its_sources()
    {
        var glas = SharedData.Require("glas");
        using var dir = new TempDir();
        var slide = dir.File("slice.tif");
        var (code, stdout, stderr) = UgaProcess.Run("data", "montage", "--data", glas, "--where", "split=testA", "--where", "patient=13",
            "--spacing", "0.62", "--out", slide, "--gap", "16");
        Assert.True(code == 0, stderr);
        Assert.Contains("montage: 2 images", stdout);

        var manifest = MontageManifest.Read(dir.File("slice.montage.json"));
        Assert.Equal(2, manifest.Images.Count);
        Assert.All(manifest.Images, p => Assert.Equal("13", p.CaseColumns["patient"]));
        using var labels = Image.Tiffload(dir.File("slice.labels.tif"), page: 0);
        using var rgb = Image.Tiffload(slide, page: 0);
        foreach (var placed in manifest.Images)
        {
            using var labelCrop = labels.Crop(placed.X, placed.Y, placed.Width, placed.Height);
            using var rgbCrop = rgb.Crop(placed.X, placed.Y, placed.Width, placed.Height);
            Assert.Equal(ImageFile.ReadLabels(placed.MaskPath!).Data, labelCrop.WriteToMemory<byte>());
            Assert.Equal(ImageFile.ReadRgb(placed.ImagePath).Data, rgbCrop.WriteToMemory<byte>());
        }
    }

    [Fact]
    public void Missing_spacing_and_unknown_filter_column_are_user_errors()
    {
        var glas = SharedData.Require("glas");
        using var dir = new TempDir();
        var noSpacing = UgaProcess.Run("data", "montage", "--data", glas, "--out", dir.File("x.tif"));
        Assert.Equal(2, noSpacing.ExitCode);
        Assert.Contains("spacing unknown: pass --spacing", noSpacing.Error);
        var badColumn = UgaProcess.Run("data", "montage", "--data", glas, "--where", "colour=red", "--spacing", "0.62", "--out", dir.File("x.tif"));
        Assert.Equal(2, badColumn.ExitCode);
        Assert.Contains("no column 'colour'", badColumn.Error);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }
}
