using System.Diagnostics;
using Uga.Imaging;

namespace Uga.Cli.Tests;

/// <summary>`uga tissue` run as a user would, on the real CMU-1 small region.</summary>
public sealed class TissueCommandTests
{

    [Fact]
    public void Writes_the_mask_and_an_outlined_thumbnail_and_prints_the_fraction()
    {
        var slide = SharedData.Require("slides", "cmu-1-small-region.svs");
        using var dir = new TempDir();
        var (code, stdout, stderr) = UgaProcess.Run("tissue", "--slide", slide, "--out", dir.Path, "--mask-spacing", "8");
        Assert.True(code == 0, stderr);
        Assert.Matches(@"tissue fraction 0\.[2-5]\d{3} ", stdout);

        var mask = ImageFile.ReadLabels(dir.File("cmu-1-small-region.tissue.png"));
        Assert.Equal((138, 185), (mask.Width, mask.Height)); // 2220 × 0.499 / 8, 2967 × 0.499 / 8
        Assert.All(mask.Data, v => Assert.True(v is 0 or 255));
        var thumbnail = ImageFile.ReadRgb(dir.File("cmu-1-small-region.tissue-thumbnail.png"));
        Assert.Equal((138, 185), (thumbnail.Width, thumbnail.Height));
        int outline = 0;
        for (int i = 0; i < thumbnail.Data.Length; i += 3)
            if (thumbnail.Data[i] == 0 && thumbnail.Data[i + 1] == 230 && thumbnail.Data[i + 2] == 0) outline++;
        Assert.InRange(outline, 100, 5000);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));
    }

    [Fact]
    public void Slide_without_spacing_is_a_one_line_user_error()
    {
        var slide = SharedData.Require("slides", "tcga-cr-7395-01a-01-ts1.svs");
        using var dir = new TempDir();
        var (code, _, stderr) = UgaProcess.Run("tissue", "--slide", slide, "--out", dir.Path);
        Assert.Equal(CliRunner.UserError, code);
        Assert.Equal($"uga: error: {slide}: no pixel spacing in the file; pass --spacing UM", stderr.Trim());
        Assert.Empty(Directory.GetFiles(dir.Path));
    }
}
