using Uga.Imaging;

namespace Uga.Phantom.Tests;

public class PhantomDatasetTests
{
    [Fact]
    public void SeriesGiveTheSameTissueAtBothCentresAndDifferentSlidesWithin()
    {
        var a = PhantomDataset.Series(PhantomCentre.A, 3, 256, seed: 4, spacingUm: 0.5, clearCell: false);
        var b = PhantomDataset.Series(PhantomCentre.B, 3, 256, seed: 4, spacingUm: 0.5, clearCell: true);
        Assert.Equal(a.Select(s => s.Seed), b.Select(s => s.Seed));
        Assert.Equal(3, a.Select(s => s.Seed).Distinct().Count());
        Assert.All(b, s => Assert.Equal(PhantomCentre.B, s.Centre));
        Assert.Throws<InvalidInputException>(() => PhantomDataset.Series(PhantomCentre.A, 0, 256, 4, 0.5, false));
    }

    [Fact]
    public void PngPairAndCasesCsvAreWritten()
    {
        using var dir = new TempDir();
        var spec = PhantomDataset.Series(PhantomCentre.A, 1, 600, seed: 2, spacingUm: 1.0, clearCell: false)[0];
        var written = PhantomDataset.WritePngPair(new PhantomSlide(spec), dir.Path, "case", TestContext.Current.CancellationToken);
        PhantomDataset.WriteCasesCsv(dir.File("cases.csv"), [written]);

        var image = ImageFile.ReadRgb(dir.File("images/case.png"));
        var mask = ImageFile.ReadLabels(dir.File("masks/case.png"));
        Assert.Equal((600, 600), (image.Width, image.Height));
        var (direct, labels) = new PhantomSlide(spec).RenderRegion(new PixelRegion(0, 0, 600, 600));
        Assert.Equal(direct.Data, image.Data);
        Assert.Equal(labels.Data, mask.Data);
        double tumour = mask.Data.Count(v => v == PhantomSpec.Tumour) / (double)mask.Data.Length;
        Assert.Equal(tumour, written.TumourFraction, 6);

        var lines = File.ReadAllLines(dir.File("cases.csv"));
        Assert.Equal("stem,centre,seed,spacing_um,width,height,clear_cell,tissue_fraction,tumour_fraction", lines[0]);
        Assert.StartsWith($"case,A,{spec.Seed},1,600,600,0,", lines[1]);

        // A second run into the same folder keeps the other rows and replaces its own.
        PhantomDataset.WriteCasesCsv(dir.File("cases.csv"), [written with { Stem = "other" }, written]);
        Assert.Equal(3, File.ReadAllLines(dir.File("cases.csv")).Length);
        File.WriteAllText(dir.File("cases.csv"), "stem,label\nx,1\n");
        Assert.Throws<InvalidInputException>(() => PhantomDataset.WriteCasesCsv(dir.File("cases.csv"), [written]));
    }

    [Fact]
    public void HugePngDatasetsAreRefused()
    {
        using var dir = new TempDir();
        var slide = new PhantomSlide(new PhantomSpec(PhantomDataset.MaxPngSize + 1, 64));
        Assert.Throws<InvalidInputException>(() => PhantomDataset.WritePngPair(slide, dir.Path, "big", TestContext.Current.CancellationToken));
        Assert.False(Directory.Exists(dir.File("images")));
    }
}
