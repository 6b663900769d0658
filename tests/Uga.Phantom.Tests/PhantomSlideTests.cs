using System.Security.Cryptography;
using Uga.Imaging;

namespace Uga.Phantom.Tests;

public class PhantomSlideTests
{
    private static PhantomSlide Slide(ulong seed, PhantomCentre centre = PhantomCentre.A, int size = 1024, bool clearCell = false) =>
        new(new PhantomSpec(size, size) { Seed = seed, Centre = centre, ClearCellSubtype = clearCell });

    private static string Hash(RgbImage image, LabelMap labels) =>
        Convert.ToHexString(SHA256.HashData([.. image.Data, .. labels.Data]));

    [Fact]
    public void SameSeedGivesTheSamePixelsAndAnotherSeedDoesNot()
    {
        var region = new PixelRegion(256, 384, 256, 256);
        var (a1, l1) = Slide(11).RenderRegion(region);
        var (a2, l2) = Slide(11).RenderRegion(region);
        var (b, lb) = Slide(12).RenderRegion(region);
        Assert.Equal(Hash(a1, l1), Hash(a2, l2));
        Assert.NotEqual(Hash(a1, l1), Hash(b, lb));
    }

    [Theory]
    [InlineData(PhantomCentre.A, false)]
    [InlineData(PhantomCentre.B, true)]
    public void ARegionEqualsItsFourQuartersRenderedSeparately(PhantomCentre centre, bool clearCell)
    {
        // Seed 3 puts tissue, tumour and glands in this window, so nuclei and glands straddle the quarter seams.
        var slide = Slide(3, centre, clearCell: clearCell);
        var whole = new PixelRegion(300, 200, 512, 512);
        var (image, labels) = slide.RenderRegion(whole);
        var assembledImage = new RgbImage(512, 512);
        var assembledLabels = new LabelMap(512, 512);
        foreach (var (dx, dy) in new[] { (0, 0), (256, 0), (0, 256), (256, 256) })
        {
            var (qi, ql) = slide.RenderRegion(new PixelRegion(whole.X + dx, whole.Y + dy, 256, 256));
            assembledImage.Paste(qi, dx, dy);
            assembledLabels.Paste(ql, dx, dy);
        }
        Assert.True(labels.Data.Distinct().Count() >= 2, "the window should hold more than one class");
        Assert.Equal(image.Data, assembledImage.Data);
        Assert.Equal(labels.Data, assembledLabels.Data);
    }

    [Fact]
    public void TumourIsRicherInHaematoxylinAndNucleiThanBenignTissueAndGlassIsBright()
    {
        var slide = Slide(1);
        var (image, labels) = slide.RenderRegion(new PixelRegion(0, 0, 1024, 1024));
        // Colour deconvolution of the rendered pixels with the standard H&E model, not the generator's state.
        var c = StainModel.HAndE.Concentrations(image);
        var stats = new Dictionary<byte, (double SumH, long Nuclear, long Count, double SumRgb)>();
        for (int i = 0; i < labels.Data.Length; i++)
        {
            var s = stats.GetValueOrDefault(labels.Data[i]);
            double h = c[i * 3];
            stats[labels.Data[i]] = (s.SumH + h, s.Nuclear + (h > 0.6 ? 1 : 0), s.Count + 1,
                s.SumRgb + ((image.Data[i * 3] + image.Data[(i * 3) + 1] + image.Data[(i * 3) + 2]) / 3.0));
        }
        Assert.True(stats[PhantomSpec.Benign].Count > 50_000 && stats[PhantomSpec.Tumour].Count > 50_000, "seed 1 should show both tissue classes");
        double meanHTumour = stats[2].SumH / stats[2].Count, meanHBenign = stats[1].SumH / stats[1].Count;
        double nuclearTumour = stats[2].Nuclear / (double)stats[2].Count, nuclearBenign = stats[1].Nuclear / (double)stats[1].Count;
        Assert.True(meanHTumour > meanHBenign + 0.1, $"mean haematoxylin OD tumour {meanHTumour:F3} vs benign {meanHBenign:F3}");
        Assert.True(nuclearTumour > 2 * nuclearBenign, $"nuclear fraction tumour {nuclearTumour:P1} vs benign {nuclearBenign:P1}");
        Assert.True(stats[0].SumRgb / stats[0].Count > 235, $"glass brightness {stats[0].SumRgb / stats[0].Count:F1}");
    }

    [Fact]
    public void CentresDifferInColourButShareTheMask()
    {
        var region = new PixelRegion(0, 0, 768, 768);
        var (imageA, labelsA) = Slide(1, PhantomCentre.A).RenderRegion(region);
        var (imageB, labelsB) = Slide(1, PhantomCentre.B).RenderRegion(region);
        Assert.Equal(labelsA.Data, labelsB.Data);
        var meanA = MeanTissueRgb(imageA, labelsA);
        var meanB = MeanTissueRgb(imageB, labelsB);
        double distance = Math.Sqrt(meanA.Zip(meanB, (a, b) => (a - b) * (a - b)).Sum());
        // Stated margin: the mean tissue colour moves by at least 20 grey levels (Euclidean, RGB).
        Assert.True(distance >= 20, $"mean tissue RGB A=({string.Join(", ", meanA.Select(v => v.ToString("F0")))}) B=({string.Join(", ", meanB.Select(v => v.ToString("F0")))}) differ by {distance:F1}");
    }

    [Fact]
    public void ClearCellSubtypeChangesOnlyTheTumour()
    {
        var region = new PixelRegion(0, 0, 1024, 1024);
        var (plain, labels) = Slide(1, PhantomCentre.B).RenderRegion(region);
        var (subtype, subtypeLabels) = Slide(1, PhantomCentre.B, clearCell: true).RenderRegion(region);
        Assert.Equal(labels.Data, subtypeLabels.Data);
        long changedTumour = 0, changedElsewhere = 0;
        for (int i = 0; i < labels.Data.Length; i++)
        {
            bool changed = plain.Data[i * 3] != subtype.Data[i * 3] || plain.Data[(i * 3) + 1] != subtype.Data[(i * 3) + 1];
            if (!changed) continue;
            if (labels.Data[i] == PhantomSpec.Tumour) changedTumour++;
            else changedElsewhere++;
        }
        Assert.True(changedTumour > 10_000, $"{changedTumour} tumour pixels changed");
        // Only blur and nuclei overlapping the tumour border may leak a little outside it.
        Assert.True(changedElsewhere < changedTumour / 20, $"{changedElsewhere} non-tumour pixels changed, {changedTumour} tumour pixels");
    }

    [Fact]
    public void TilesCoverTheSlideInRasterOrderAndMatchDirectRendering()
    {
        var slide = Slide(5, size: 300);
        var tiles = PhantomTiling.Tiles(slide, 128, TestContext.Current.CancellationToken).ToList();
        Assert.Equal(9, tiles.Count);
        Assert.Equal([(0, 0), (1, 0), (2, 0), (0, 1)], tiles.Take(4).Select(t => (t.Column, t.Row)));
        Assert.Equal(new PixelRegion(256, 256, 44, 44), tiles[^1].Region);
        var (direct, _) = slide.RenderRegion(tiles[4].Region);
        Assert.Equal(direct.Data, tiles[4].Image.Data);
    }

    [Fact]
    public void MorphologyHasAPhysicalScale()
    {
        // The same 512 µm square at 0.5 and at 1 µm/px: same layout, and nuclei cover the same share of tumour.
        var fine = new PhantomSlide(new PhantomSpec(1024, 1024) { Seed = 1, SpacingUm = 0.5 });
        var coarse = new PhantomSlide(new PhantomSpec(512, 512) { Seed = 1, SpacingUm = 1.0 });
        var (fineImage, fineLabels) = fine.RenderRegion(new PixelRegion(0, 0, 1024, 1024));
        var (coarseImage, coarseLabels) = coarse.RenderRegion(new PixelRegion(0, 0, 512, 512));
        var downsampled = Resample.Labels(fineLabels, 512, 512);
        double agreement = downsampled.Data.Zip(coarseLabels.Data).Count(p => p.First == p.Second) / (double)coarseLabels.Data.Length;
        Assert.True(agreement > 0.98, $"label agreement across spacings {agreement:P1}");
        double fineNuclear = NuclearFraction(fineImage, fineLabels), coarseNuclear = NuclearFraction(coarseImage, coarseLabels);
        Assert.True(Math.Abs(fineNuclear - coarseNuclear) < 0.25 * fineNuclear, $"tumour nuclear fraction {fineNuclear:P1} at 0.5 µm/px, {coarseNuclear:P1} at 1 µm/px");
    }

    private static double NuclearFraction(RgbImage image, LabelMap labels)
    {
        var c = StainModel.HAndE.Concentrations(image);
        long nuclear = 0, tumour = 0;
        for (int i = 0; i < labels.Data.Length; i++)
        {
            if (labels.Data[i] != PhantomSpec.Tumour) continue;
            tumour++;
            if (c[i * 3] > 0.6) nuclear++;
        }
        return nuclear / (double)tumour;
    }

    [Theory]
    [InlineData(8, 100, 0.5)]
    [InlineData(100, 100, 0.0)]
    [InlineData(100, 100, double.NaN)]
    public void AbsurdSpecsAreRejected(int width, int height, double spacing)
    {
        var spec = new PhantomSpec(width, height) { SpacingUm = spacing };
        Assert.Throws<InvalidInputException>(() => new PhantomSlide(spec));
    }

    private static double[] MeanTissueRgb(RgbImage image, LabelMap labels)
    {
        var sum = new double[3];
        long n = 0;
        for (int i = 0; i < labels.Data.Length; i++)
        {
            if (labels.Data[i] == PhantomSpec.Background) continue;
            for (int c = 0; c < 3; c++) sum[c] += image.Data[(i * 3) + c];
            n++;
        }
        return [.. sum.Select(s => s / n)];
    }
}
