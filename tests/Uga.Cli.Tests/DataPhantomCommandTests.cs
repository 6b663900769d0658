using System.Diagnostics;
using NetVips;
using Uga.Imaging;
using Uga.Phantom;

namespace Uga.Cli.Tests;

/// <summary>Runs the real `uga data phantom` and reads its pyramidal slides back with libvips.</summary>
public sealed class DataPhantomCommandTests
{

    [Fact]
    public void Phantom_slides_and_label_slides_hold_the_rendered_pixels()
    {
        using var dir = new TempDir();
        var (code, stdout, stderr) = UgaProcess.Run("data", "phantom", "--centre", "B", "--slides", "2", "--size", "700", "--seed", "3",
            "--spacing", "1", "--tile-size", "128", "--out", dir.Path);
        Assert.True(code == 0, stderr);
        Assert.Contains("phantom-B-001", stdout);

        var spec = PhantomDataset.Series(PhantomCentre.B, 2, 700, 3, 1.0, clearCell: false)[1];
        var (image, labels) = new PhantomSlide(spec).RenderRegion(new PixelRegion(0, 0, 700, 700));
        using var rgb = Image.Tiffload(dir.File("phantom-B-001.tif"), page: 0);
        using var mask = Image.Tiffload(dir.File("phantom-B-001.labels.tif"), page: 0);
        Assert.Equal(image.Data, rgb.WriteToMemory<byte>());
        Assert.Equal(labels.Data, mask.WriteToMemory<byte>());

        var cases = File.ReadAllLines(dir.File("cases.csv"));
        Assert.Equal(3, cases.Length);
        Assert.StartsWith($"phantom-B-001,B,{spec.Seed},1,700,700,0,", cases[2]);
    }

    [Fact]
    public void Dataset_format_writes_png_pairs()
    {
        using var dir = new TempDir();
        var (code, _, stderr) = UgaProcess.Run("data", "phantom", "--format", "dataset", "--size", "300", "--out", dir.Path);
        Assert.True(code == 0, stderr);
        Assert.Equal((300, 300), ImageFile.ReadSize(dir.File("images/phantom-A-000.png")));
        Assert.Equal((300, 300), ImageFile.ReadSize(dir.File("masks/phantom-A-000.png")));
        Assert.True(File.Exists(dir.File("cases.csv")));
    }

    [Fact]
    public void Unknown_format_is_a_user_error_and_writes_nothing()
    {
        using var dir = new TempDir();
        var (code, _, stderr) = UgaProcess.Run("data", "phantom", "--format", "png", "--out", dir.File("out"));
        Assert.Equal(2, code);
        Assert.Contains("--format must be tiff or dataset", stderr);
        Assert.False(Directory.Exists(dir.File("out")));
    }
}
