using Uga.Annotations;
using Uga.Imaging;

namespace Uga.Cli.Tests;

/// <summary>The real `uga annotations from-mask`: a label mask drawn inside candidate rectangles.</summary>
public sealed class AnnotationsFromMaskCommandTests
{
    private static readonly string[] Classes = ["background", "gland", "tumour"];

    [Fact]
    public void PolygonsRasteriseBackToTheMaskInsideEveryCandidate()
    {
        using var dir = new TempDir();
        var mask = Mask();
        var maskPath = dir.File("case7.png");
        ImageFile.WritePng(mask, maskPath);
        PixelRegion first = new(8, 2, 30, 30), second = new(50, 10, 14, 20);
        var csv = Candidates(dir, (1, "case7", first), (2, "other", new PixelRegion(0, 0, 10, 10)), (3, "case7", second));
        var outPath = dir.File("answer.geojson");

        var (code, stdout, stderr) = UgaProcess.Run("annotations", "from-mask", maskPath, outPath, "--candidates", csv, "--classes", string.Join(',', Classes));

        Assert.True(code == 0, stderr);
        Assert.Contains("in 2 candidates of case7", stdout, StringComparison.Ordinal);
        var set = AnnotationFiles.Read(outPath).Set;
        var rectangles = set.Annotations.Where(IsCandidate).Select(a => a.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["UGA 1", "UGA 3"], rectangles);
        var drawn = new AnnotationSet();
        drawn.Annotations.AddRange(set.Annotations.Where(a => !IsCandidate(a)));
        var rasterizer = new AnnotationRasterizer(drawn, ClassLabels.Sequential(Classes[1..]), 1.0);
        foreach (var r in new[] { first, second })
            Assert.Equal(mask.Crop(r).Data, rasterizer.Rasterize(r, 1.0).Data);
        // Nothing outside the candidates: the tumour block is cut at the second rectangle's edge.
        static NetTopologySuite.Geometries.Envelope Box(PixelRegion r) => new(r.X, r.Right, r.Y, r.Bottom);
        Assert.All(drawn.Annotations, a => Assert.True(Box(first).Contains(a.Geometry.EnvelopeInternal) || Box(second).Contains(a.Geometry.EnvelopeInternal), a.Name));
    }

    [Theory]
    [InlineData("other-slide", "no candidate on slide 'case7'")]
    [InlineData("label-3", "mask has label 3 but --classes names 3")]
    public void BadInputExitsTwoWithOneLine(string kind, string expected)
    {
        using var dir = new TempDir();
        var mask = Mask();
        if (kind == "label-3") mask[0, 0] = 3;
        var maskPath = dir.File("case7.png");
        ImageFile.WritePng(mask, maskPath);
        var csv = Candidates(dir, (1, kind == "other-slide" ? "other" : "case7", new PixelRegion(0, 0, 20, 20)));
        var outPath = dir.File("answer.xml");

        var (code, _, stderr) = UgaProcess.Run("annotations", "from-mask", maskPath, outPath, "--candidates", csv, "--classes", string.Join(',', Classes));

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(File.Exists(outPath));
    }

    private static bool IsCandidate(Annotation a) => a.ClassName == "UGA candidate";

    // 64×48: a gland ring (with a hole of background) and a tumour block.
    private static LabelMap Mask()
    {
        var mask = new LabelMap(64, 48);
        for (int y = 10; y < 30; y++)
            for (int x = 10; x < 30; x++) mask[x, y] = (byte)(x is >= 16 and < 22 && y is >= 16 and < 22 ? 0 : 1);
        for (int y = 5; y < 20; y++)
            for (int x = 40; x < 60; x++) mask[x, y] = 2;
        return mask;
    }

    private static string Candidates(TempDir dir, params (int Rank, string Slide, PixelRegion R)[] rows)
    {
        var path = dir.File("candidates.csv");
        var lines = rows.Select(r => string.Join(',', r.Rank, r.Slide, r.R.X, r.R.Y, r.R.Width, r.R.Height));
        File.WriteAllLines(path, ["rank,slide,level0_x,level0_y,level0_width,level0_height", .. lines]);
        return path;
    }
}
