using Uga.Imaging;
using Uga.Slides.Tissue;

namespace Uga.Slides.Tests;

public sealed class TissueTests
{
    [Fact]
    public void Tissue_fraction_is_exact_for_whole_and_partial_mask_pixels()
    {
        // 4x4 mask at 8 µm/px, left half tissue.
        var labels = new LabelMap(4, 4);
        for (int y = 0; y < 4; y++) labels[0, y] = labels[1, y] = 7;
        var mask = new TissueMask(labels, 8);
        Assert.Equal(0.5, mask.Fraction);
        Assert.Equal(8 * 8 * 8 / 1e6, mask.TissueAreaMm2, 12);
        Assert.Equal(1.0, mask.TissueFraction(new PixelRegion(0, 0, 2, 4)));
        Assert.Equal(0.0, mask.TissueFraction(new PixelRegion(2, 1, 2, 2)));
        // At 2 µm/px a mask pixel is 4x4: x 4..12 covers mask x 1..3 -> half tissue.
        Assert.Equal(0.5, mask.TissueFraction(new PixelRegion(4, 0, 8, 8), 2), 12);
        // x 6..10 at 2 µm/px = mask x 1.5..2.5: a quarter of a tissue pixel and a quarter of a glass one.
        Assert.Equal(0.5, mask.TissueFraction(new PixelRegion(6, 0, 4, 4), 2), 12);
        Assert.Equal(1.0, mask.TissueFraction(new PixelRegion(2, 2, 3, 3), 2), 12);
        // Outside the mask counts as glass: half of this region is beyond the right edge.
        Assert.Equal(0.0, mask.TissueFraction(new PixelRegion(2, 0, 4, 4)));
        Assert.Equal(0.5, mask.TissueFraction(new PixelRegion(-2, 0, 4, 4)));
    }

    [Fact]
    public void Tissue_fraction_matches_brute_force_on_random_masks_and_regions()
    {
        var random = new Random(3);
        var labels = new LabelMap(37, 23);
        for (int i = 0; i < labels.Data.Length; i++) labels.Data[i] = (byte)(random.Next(3) == 0 ? 1 : 0);
        var mask = new TissueMask(labels, 4);
        for (int trial = 0; trial < 200; trial++)
        {
            // Regions at 1 µm/px: each mask pixel is 4x4 region pixels, so brute force counts region pixels.
            var region = new PixelRegion(random.Next(-10, 140), random.Next(-10, 90), random.Next(1, 60), random.Next(1, 60));
            int tissue = 0;
            for (int y = region.Y; y < region.Bottom; y++)
                for (int x = region.X; x < region.Right; x++)
                    if (x >= 0 && y >= 0 && x < 148 && y < 92 && labels[x / 4, y / 4] == 1) tissue++;
            Assert.Equal(tissue / (double)region.Area, mask.TissueFraction(region, 1), 9);
        }
    }

    [Fact]
    public void Morphology_closes_gaps_opens_specks_fills_holes_and_drops_small_objects()
    {
        var m = new LabelMap(20, 20);
        for (int y = 2; y < 12; y++)
            for (int x = 2; x < 12; x++)
                m[x, y] = (byte)(x == 7 ? 0 : 1); // a square split by a 1-px gap
        m[17, 17] = 1;                               // a speck
        var closed = BinaryMorphology.Close(m, 1);
        Assert.Equal(1, closed[7, 6]);
        Assert.Equal(0, closed[0, 0]);
        var opened = BinaryMorphology.Open(closed, 1);
        Assert.Equal(0, opened[17, 17]);
        Assert.Equal(1, opened[2, 2]); // a 10x10 square survives a radius-1 opening unchanged
        Assert.Equal(100, opened.Data.Count(v => v == 1));

        var ring = new LabelMap(9, 9);
        for (int y = 1; y < 8; y++)
            for (int x = 1; x < 8; x++)
                ring[x, y] = (byte)(x is > 2 and < 6 && y is > 2 and < 6 ? 0 : 1);
        var bigHolesKept = new LabelMap(9, 9, (byte[])ring.Data.Clone());
        BinaryMorphology.FillHoles(bigHolesKept, maxArea: 8);
        Assert.Equal(0, bigHolesKept[4, 4]);
        BinaryMorphology.FillHoles(ring, maxArea: 9);
        Assert.Equal(1, ring[4, 4]);
        Assert.Equal(0, ring[0, 0]); // glass touching the border is never a hole

        BinaryMorphology.RemoveSmallObjects(m, minArea: 2);
        Assert.Equal(0, m[17, 17]);
        Assert.Equal(1, m[2, 2]);
    }

    [Fact]
    public void Blank_glass_has_no_tissue()
    {
        // Off-white glass with sensor noise and a faint colour cast: Otsu alone would split the noise.
        var random = new Random(11);
        var glass = new RgbImage(300, 200);
        for (int i = 0; i < glass.Data.Length; i += 3)
        {
            int n = random.Next(-6, 7);
            glass.Data[i] = (byte)(236 + n);
            glass.Data[i + 1] = (byte)(232 + n + random.Next(-3, 4));
            glass.Data[i + 2] = (byte)(240 + n);
        }
        var mask = TissueDetector.Detect(glass, 8);
        Assert.True(mask.Fraction < 0.001, $"fraction {mask.Fraction}");
    }

    [Fact]
    public void Synthetic_stained_disc_on_glass_is_found_with_its_area()
    {
        var image = new RgbImage(200, 200);
        Array.Fill(image.Data, (byte)240);
        var random = new Random(5);
        for (int y = 0; y < 200; y++)
        {
            for (int x = 0; x < 200; x++)
            {
                if ((x - 100) * (x - 100) + ((y - 90) * (y - 90)) > 60 * 60) continue;
                bool nucleus = random.Next(6) == 0;
                int i = image.Index(x, y);
                (image.Data[i], image.Data[i + 1], image.Data[i + 2]) = nucleus ? ((byte)90, (byte)60, (byte)150) : ((byte)230, (byte)150, (byte)200);
            }
        }
        var mask = TissueDetector.Detect(image, 8);
        double expected = Math.PI * 60 * 60 / (200.0 * 200);
        Assert.InRange(mask.Fraction, expected * 0.95, expected * 1.05);
        Assert.Equal(1.0, mask.TissueFraction(new PixelRegion(80, 70, 40, 40)));
        Assert.Equal(0.0, mask.TissueFraction(new PixelRegion(0, 0, 30, 30)));
    }

    [Theory]
    [InlineData("cmu-1-small-region.svs", null, 0.3, 0.45)]
    [InlineData("tcga-cr-7395-01a-01-ts1.svs", 0.5, 0.55, 0.72)]
    public void Real_slides_have_a_plausible_tissue_fraction(string name, double? spacing, double low, double high)
    {
        using var slide = SlideFactory.Open(SharedData.Require("slides", name), spacing);
        var mask = TissueDetector.Detect(slide, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(8, mask.Spacing);
        var look = Environment.GetEnvironmentVariable("UGA_LOOK");
        if (!string.IsNullOrEmpty(look))
        {
            var thumbnail = slide.ReadWhole(8, TestContext.Current.CancellationToken);
            ImageFile.WritePng(TissueMaskFile.Outline(thumbnail, mask), Path.Combine(look, name + ".outline.png"));
        }
        Assert.InRange(mask.Fraction, low, high);
    }

    [Fact]
    public void Mask_file_round_trips_with_its_spacing()
    {
        var labels = new LabelMap(30, 20);
        for (int x = 0; x < 12; x++) labels[x, 5] = 1;
        var mask = new TissueMask(labels, 12);
        using var dir = new TempDir();
        var path = dir.File("m.tissue.png");
        TissueMaskFile.Save(mask, path);
        Assert.Equal(255, ImageFile.ReadLabels(path)[3, 5]);
        var loaded = TissueMaskFile.Load(path);
        Assert.Equal(12, loaded.Spacing, 3); // PNG stores whole pixels per metre
        Assert.Equal(mask.Mask.Data, loaded.Mask.Data);
    }
}
