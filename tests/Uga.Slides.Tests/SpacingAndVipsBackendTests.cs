using NetVips;
using Uga.Imaging;

namespace Uga.Slides.Tests;

public sealed class SpacingAndVipsBackendTests
{
    [Theory]
    [InlineData(20040.08, "centimeter", 0.499)]
    [InlineData(50_800, "inch", 0.5)]
    [InlineData(4000, "cm", 2.5)]
    [InlineData(2000, "mm", 0.5)]
    public void Resolution_converts_to_micrometres_per_pixel(double pixelsPerUnit, string unit, double expected) =>
        Assert.Equal(expected, SlideSpacing.FromResolution(pixelsPerUnit, unit)!.Value, 4);

    [Fact]
    public void Unitless_or_non_positive_resolution_gives_no_spacing()
    {
        Assert.Null(SlideSpacing.FromResolution(300, "none"));
        Assert.Null(SlideSpacing.FromResolution(0, "inch"));
        Assert.Null(SlideSpacing.FromResolution(double.NaN, "cm"));
    }

    [Fact]
    public void Override_beats_metadata_which_beats_tags_and_writer_defaults_are_refused()
    {
        Assert.Equal(new SlideSpacing(0.3, SpacingSource.User), SlideSpacing.Resolve("f", 0.3, 0.25, 0.5));
        Assert.Equal(new SlideSpacing(0.25, SpacingSource.Metadata), SlideSpacing.Resolve("f", null, 0.25, 0.5));
        Assert.Equal(new SlideSpacing(0.5, SpacingSource.ResolutionTags), SlideSpacing.Resolve("f", null, null, 0.5));
        // 72 dpi is 352.8 µm/px: no microscope; the user must say.
        var e = Assert.Throws<InvalidInputException>(() => SlideSpacing.Resolve("f", null, null, 352.8));
        Assert.Equal("f: no pixel spacing in the file (its resolution tags say 352.8 µm/px, which is not a microscope's); pass --spacing UM", e.Message);
        Assert.Throws<InvalidInputException>(() => SlideSpacing.Resolve("f", double.PositiveInfinity, null, null));
        Assert.Throws<InvalidInputException>(() => SlideSpacing.Resolve("f", 0, 0.25, null));
    }

    [Fact]
    public void Png_with_resolution_tags_is_a_slide_with_that_spacing()
    {
        using var dir = new TempDir();
        var path = dir.File("tile.png");
        var pixels = new byte[40 * 30 * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 7);
        using (var image = Image.NewFromMemory(pixels, 40, 30, 3, Enums.BandFormat.Uchar))
        using (var tagged = image.Copy(xres: 4000.0, yres: 4000.0)) // 4000 px/mm = 0.25 µm/px
            tagged.Pngsave(path);
        using var slide = SlideFactory.Open(path);
        Assert.Equal("vips-png", slide.Vendor);
        Assert.Equal(SpacingSource.ResolutionTags, slide.SpacingSource);
        Assert.Equal(0.25, slide.Spacing, 3);
        Assert.Equal(pixels, slide.ReadLevel(0, new PixelRegion(0, 0, 40, 30)).Data);
        Assert.Equal((20, 15), slide.ReadRegion(0.5, new PixelRegion(0, 0, 20, 15)) is var half ? (half.Width, half.Height) : default);
    }

    [Fact]
    public void Png_without_resolution_needs_the_users_spacing()
    {
        using var dir = new TempDir();
        var path = dir.File("plain.png");
        ImageFile.WritePng(new RgbImage(8, 8), path);
        var e = Assert.Throws<InvalidInputException>(() => SlideFactory.Open(path));
        Assert.StartsWith($"{path}: no pixel spacing in the file", e.Message);
        using var slide = SlideFactory.Open(path, 1.5);
        Assert.Equal(1.5, slide.Spacing);
    }

    [Fact]
    public void Libvips_reads_a_pyramid_tiff_page_by_page_like_openslide()
    {
        var path = SlideReadingTests.CmuTiff;
        using var vips = VipsSlide.Open(path, spacingOverrideUm: null);
        using var openSlide = SlideFactory.Open(path);
        Assert.Equal(openSlide.Levels.Select(l => (l.Width, l.Height)), vips.Levels.Select(l => (l.Width, l.Height)));
        Assert.Equal(openSlide.Spacing, vips.Spacing, 4);
        var region = new PixelRegion(50, 80, 200, 150);
        Assert.InRange(SlideReadingTests.MeanAbsoluteDifference(openSlide.ReadLevel(2, region), vips.ReadLevel(2, region)), 0, 1.5);

        // Concurrent reads on one libvips image give what sequential reads give.
        var regions = Enumerable.Range(0, 16).Select(i => new PixelRegion((i * 97) % 900, (i * 61) % 1200, 300, 200)).ToArray();
        var sequential = regions.Select(r => vips.ReadRegion(1.0, r).Data).ToArray();
        var concurrent = new byte[regions.Length][];
        Parallel.For(0, regions.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => concurrent[i] = vips.ReadRegion(1.0, regions[i]).Data);
        for (int i = 0; i < regions.Length; i++) Assert.Equal(sequential[i], concurrent[i]);
    }

    [Fact]
    public void Striped_tiff_that_openslide_rejects_opens_through_libvips()
    {
        using var dir = new TempDir();
        var path = dir.File("striped.tif");
        var pixels = new byte[64 * 48 * 3];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(255 - (i % 200));
        using (var image = Image.NewFromMemory(pixels, 64, 48, 3, Enums.BandFormat.Uchar))
            image.Tiffsave(path, xres: 2000, yres: 2000, resunit: Enums.ForeignTiffResunit.Cm); // libvips takes px/mm: 0.5 µm/px
        using var slide = SlideFactory.Open(path);
        Assert.Equal("vips-tiff", slide.Vendor);
        Assert.Equal(0.5, slide.Spacing, 3);
        Assert.Equal(pixels, slide.ReadLevel(0, new PixelRegion(0, 0, 64, 48)).Data);
    }
}
