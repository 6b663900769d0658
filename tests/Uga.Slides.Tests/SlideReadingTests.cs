using Uga.Imaging;

namespace Uga.Slides.Tests;

/// <summary>Reading the real public slides in shared/data/slides through both backends.</summary>
public sealed class SlideReadingTests
{
    internal static string Cmu => SharedData.Require("slides", "cmu-1-small-region.svs");
    internal static string CmuTiff => SharedData.Require("slides", "cmu-1-small-region_pyramid_jpeg.tif");
    internal static string Tcga => SharedData.Require("slides", "tcga-cr-7395-01a-01-ts1.svs");
    internal static string TcgaTiff => SharedData.Require("slides", "tcga-cr-7395_pyramid_jpeg.tif");

    [Fact]
    public void Aperio_svs_has_one_level_and_the_scanner_spacing()
    {
        using var slide = SlideFactory.Open(Cmu);
        Assert.Equal("aperio", slide.Vendor);
        var level = Assert.Single(slide.Levels);
        Assert.Equal((2220L, 2967L), (level.Width, level.Height));
        Assert.Equal(0.499, slide.Spacing, 6);
        Assert.Equal(SpacingSource.Metadata, slide.SpacingSource);
        Assert.Equal(20, slide.ObjectivePower);
        Assert.Equal("0.4990", slide.Properties["aperio.MPP"]);
    }

    [Fact]
    public void Pyramid_tiff_levels_and_spacing_come_from_the_resolution_tags()
    {
        using var slide = SlideFactory.Open(CmuTiff);
        Assert.Equal("generic-tiff", slide.Vendor);
        Assert.Equal([2220L, 1110, 555, 277, 138], slide.Levels.Select(l => l.Width));
        Assert.Equal(SpacingSource.ResolutionTags, slide.SpacingSource);
        // XResolution 10260521/512 px/cm = 20040.08 px/cm -> 0.49900 µm/px.
        Assert.Equal(0.499, slide.Spacing, 4);
        Assert.Equal(slide.Spacing * slide.Levels[2].Downsample, slide.Levels[2].Spacing, 9);
    }

    [Fact]
    public void Tcga_svs_has_two_levels_but_no_spacing_so_it_needs_the_users()
    {
        var e = Assert.Throws<InvalidInputException>(() => SlideFactory.Open(Tcga));
        Assert.Equal($"{Tcga}: no pixel spacing in the file; pass --spacing UM", e.Message);

        using var slide = SlideFactory.Open(Tcga, spacingOverrideUm: 0.5);
        Assert.Equal(SpacingSource.User, slide.SpacingSource);
        Assert.Equal([(4443L, 3567L), (2221L, 1783L)], slide.Levels.Select(l => (l.Width, l.Height)));
        Assert.Equal(1.0, slide.Levels[1].Spacing, 2);
    }

    [Fact]
    public void Libvips_default_resolution_is_not_taken_for_a_spacing()
    {
        // The TCGA conversion carries libvips' default 10 px/cm (= 1000 µm/px): a writer default, not a microscope.
        var e = Assert.Throws<InvalidInputException>(() => SlideFactory.Open(TcgaTiff));
        Assert.Contains("no pixel spacing", e.Message);
        Assert.Contains("1000 µm/px", e.Message);
    }

    [Fact]
    public void The_svs_and_its_tiff_conversion_give_the_same_pixels()
    {
        using var svs = SlideFactory.Open(Cmu);
        using var tif = SlideFactory.Open(CmuTiff);
        var region = new PixelRegion(600, 900, 512, 384);
        var a = svs.ReadRegion(0.499, region);
        var b = tif.ReadRegion(0.499, region);
        // JPEG re-encoding (quality ~75 by libvips) changes pixels by a few levels on average, not more.
        double mad = MeanAbsoluteDifference(a, b);
        Assert.InRange(mad, 0, 6);
        Assert.True(MeanAbsoluteDifference(a, svs.ReadRegion(0.499, region with { X = 1200 })) > 3 * mad, "different regions must differ more than the encodings do");
    }

    [Fact]
    public void Reading_at_a_requested_spacing_gives_the_expected_size_and_pixels()
    {
        using var svs = SlideFactory.Open(Cmu);
        using var tif = SlideFactory.Open(CmuTiff);
        var region = new PixelRegion(100, 150, 300, 200);
        Assert.Equal((554L, 740L), svs.SizeAt(2.0)); // 2220 × 0.499 / 2 = 553.9, 2967 × 0.499 / 2 = 740.3
        var fromSvs = svs.ReadRegion(2.0, region);
        Assert.Equal((300, 200), (fromSvs.Width, fromSvs.Height));
        // The windowed read lines up with resampling the whole level and cutting the region out.
        var whole = Resample.Rgb(svs.ReadLevel(0, new PixelRegion(0, 0, 2220, 2967)), 554, 740);
        Assert.InRange(MeanAbsoluteDifference(whole.Crop(region), fromSvs), 0, 4);

        // 2.0 µm/px is level 2 of the TIFF (0.499 × 4.002 = 1.997, within the 0.3 % tolerance): read directly.
        Assert.Equal(2, tif.LevelFor(2.0));
        Assert.Equal((555L, 741L), tif.SizeAt(2.0));
        // At exactly that level's spacing the SVS, resampled, matches the TIFF's own 2x2-averaged level.
        var fromTif = tif.ReadRegion(2.0, region);
        Assert.InRange(MeanAbsoluteDifference(svs.ReadRegion(tif.Levels[2].Spacing, region), fromTif), 0, 6);
        // A spacing between levels reads from the finer one and resamples.
        Assert.Equal(1, tif.LevelFor(1.5));
        var between = tif.ReadRegion(1.5, new PixelRegion(0, 0, 64, 48));
        Assert.Equal((64, 48), (between.Width, between.Height));
    }

    [Fact]
    public void A_read_whose_source_is_too_large_is_done_in_parts_with_the_same_result()
    {
        using var slide = SlideFactory.Open(Cmu);
        var region = new PixelRegion(40, 60, 250, 180);
        var whole = slide.ReadRegion(2.0, region);
        slide.MaxSourcePixels = 50_000; // about 110x110 level pixels: forces 16+ parts
        var parts = slide.ReadRegion(2.0, region);
        Assert.Equal((whole.Width, whole.Height), (parts.Width, parts.Height));
        Assert.InRange(MeanAbsoluteDifference(whole, parts), 0, 2); // only the seams between parts differ
    }

    [Fact]
    public void Concurrent_reads_give_the_same_pixels_as_sequential_reads()
    {
        foreach (var path in new[] { Cmu, CmuTiff })
        {
            using var slide = SlideFactory.Open(path);
            var regions = Enumerable.Range(0, 24).Select(i => new PixelRegion((i * 83) % 850, (i * 131) % 1220, 256, 256)).ToArray();
            var sequential = regions.Select(r => slide.ReadRegion(1.0, r).Data).ToArray();
            var concurrent = new byte[regions.Length][];
            Parallel.For(0, regions.Length, new ParallelOptions { MaxDegreeOfParallelism = 6 }, i => concurrent[i] = slide.ReadRegion(1.0, regions[i]).Data);
            for (int i = 0; i < regions.Length; i++) Assert.Equal(sequential[i], concurrent[i]);
        }
    }

    [Fact]
    public void Region_partly_outside_is_padded_with_white_glass()
    {
        using var slide = SlideFactory.Open(Cmu);
        var image = slide.ReadLevel(0, new PixelRegion(2200, 0, 40, 10));
        var inside = image.Crop(new PixelRegion(0, 0, 20, 10));
        var outside = image.Crop(new PixelRegion(20, 0, 20, 10));
        Assert.All(outside.Data, v => Assert.Equal(255, v));
        Assert.Contains(inside.Data, v => v < 250);
    }

    [Fact]
    public void Plain_jpeg_is_a_single_level_slide_read_through_libvips()
    {
        var jpg = SharedData.Require("glas", "images");
        var file = Directory.GetFiles(jpg, "*.jpg").Order(StringComparer.Ordinal).First();
        using var slide = SlideFactory.Open(file, spacingOverrideUm: 0.62);
        Assert.StartsWith("vips-jpeg", slide.Vendor);
        Assert.Single(slide.Levels);
        var whole = ImageFile.ReadRgb(file);
        Assert.Equal(whole.Crop(new PixelRegion(10, 20, 64, 32)).Data, slide.ReadLevel(0, new PixelRegion(10, 20, 64, 32)).Data);
        Assert.Equal(((long)whole.Width, (long)whole.Height), slide.SizeAt(0.62));
    }

    internal static double MeanAbsoluteDifference(RgbImage a, RgbImage b)
    {
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        long sum = 0;
        for (int i = 0; i < a.Data.Length; i++) sum += Math.Abs(a.Data[i] - b.Data[i]);
        return sum / (double)a.Data.Length;
    }
}
