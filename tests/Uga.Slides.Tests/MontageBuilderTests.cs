using NetVips;
using Uga.Imaging;
using Uga.Slides.Montage;
using Uga.Slides.Writing;

namespace Uga.Slides.Tests;

public sealed class MontageBuilderTests
{
    /// <summary>The first <paramref name="count"/> GlaS cases (sorted by stem) with their cases.csv columns.</summary>
    private static List<MontageSource> GlasSlice(int count, double spacingUm = 0.62)
    {
        var root = SharedData.Require("glas");
        var lines = File.ReadAllLines(Path.Combine(root, "cases.csv"));
        var header = lines[0].Split(',');
        return lines.Skip(1).Select(l => l.Split(',')).OrderBy(f => f[0], StringComparer.Ordinal).Take(count)
            .Select(f => new MontageSource(f[0], Path.Combine(root, "images", f[0] + ".jpg"), Path.Combine(root, "masks", f[0] + ".png"),
                spacingUm, header.Zip(f).ToDictionary(p => p.First, p => p.Second)))
            .ToList();
    }

    private static MontageManifest Build(IReadOnlyList<MontageSource> sources, string slide, MontageOptions options) =>
        MontageBuilder.Build(sources, slide, options, cancellation: TestContext.Current.CancellationToken);

    private static MontageOptions Options(double spacing = 0.62) =>
        new() { SpacingUm = spacing, Columns = 3, GapPx = 20, Tiff = new PyramidalTiffOptions { TileSize = 256 } };

    [Fact]
    public void Glas_montage_places_every_image_and_mask_exactly()
    {
        using var dir = new TempDir();
        var sources = GlasSlice(5);
        var slide = dir.File("glas.tif");
        var reports = new List<WorkProgress>();
        var manifest = MontageBuilder.Build(sources, slide, Options(), new SyncProgress(reports.Add), TestContext.Current.CancellationToken);

        var (labelPath, manifestPath) = MontageManifest.CompanionPaths(slide);
        var reread = MontageManifest.Read(manifestPath);
        Assert.Equal(5, reread.Images.Count);
        Assert.Equal((manifest.Width, manifest.Height), (reread.Width, reread.Height));
        Assert.Equal("glas.labels.tif", reread.LabelSlide);
        Assert.Equal(reports.Count, reports[^1].Total);

        using var rgbPage = Image.Tiffload(slide, page: 0);
        using var labelPage = Image.Tiffload(labelPath, page: 0);
        Assert.Equal((reread.Width, reread.Height), (rgbPage.Width, rgbPage.Height));
        foreach (var placed in reread.Images)
        {
            var source = sources.Single(s => s.Stem == placed.Stem);
            Assert.Equal(source.CaseColumns["grade"], placed.CaseColumns["grade"]);
            var image = ImageFile.ReadRgb(source.ImagePath);
            var mask = ImageFile.ReadLabels(source.MaskPath!);
            Assert.Equal((image.Width, image.Height), (placed.Width, placed.Height));
            using var rgbCrop = rgbPage.Crop(placed.X, placed.Y, placed.Width, placed.Height);
            using var labelCrop = labelPage.Crop(placed.X, placed.Y, placed.Width, placed.Height);
            Assert.Equal(image.Data, rgbCrop.WriteToMemory<byte>());
            Assert.Equal(mask.Data, labelCrop.WriteToMemory<byte>());
        }
        using var corner = rgbPage.Crop(0, 0, 20, 20);
        Assert.All(corner.WriteToMemory<byte>(), v => Assert.Equal(255, v));
    }

    [Fact]
    public void Montage_slides_open_in_openslide_with_the_same_levels()
    {
        using var dir = new TempDir();
        var slide = dir.File("glas.tif");
        var manifest = Build(GlasSlice(4), slide, Options() with { Columns = 2 });
        var (labelPath, _) = MontageManifest.CompanionPaths(slide);
        using var rgb = Image.Openslideload(slide);
        using var labels = Image.Openslideload(labelPath);
        Assert.Equal((manifest.Width, manifest.Height), (rgb.Width, rgb.Height));
        Assert.Equal((string)rgb.Get("openslide.level-count"), (string)labels.Get("openslide.level-count"));
        int expectedLevels = PyramidalTiffWriter.LevelSizes(manifest.Width, manifest.Height).Count;
        Assert.Equal(expectedLevels.ToString(System.Globalization.CultureInfo.InvariantCulture), (string)rgb.Get("openslide.level-count"));
        Assert.True(expectedLevels >= 2);
    }

    [Fact]
    public void Sources_at_another_spacing_are_resampled_to_the_montage_spacing()
    {
        using var dir = new TempDir();
        var sources = GlasSlice(2);
        var manifest = Build(sources, dir.File("half.tif"), Options(spacing: 1.24));
        var (w, h) = ImageFile.ReadSize(sources[0].ImagePath);
        var first = manifest.Images[0];
        Assert.Equal((Resample.Scaled(w, 0.5), Resample.Scaled(h, 0.5)), (first.Width, first.Height));
        Assert.Equal(0.62, first.SourceSpacingUm);
        Assert.Equal(1.24, first.SpacingUm);
        var mask = Resample.Labels(ImageFile.ReadLabels(sources[0].MaskPath!), first.Width, first.Height);
        using var labels = Image.Tiffload(dir.File("half.labels.tif"), page: 0);
        using var crop = labels.Crop(first.X, first.Y, first.Width, first.Height);
        Assert.Equal(mask.Data, crop.WriteToMemory<byte>());
    }

    [Fact]
    public void Layout_is_a_grid_of_shelves_with_gaps()
    {
        using var dir = new TempDir();
        var sources = GlasSlice(5);
        var manifest = MontageLayout.Plan(sources, dir.File("x.tif"), Options() with { Columns = 2, GapPx = 10 });
        Assert.Equal(3, manifest.Images.Select(p => p.Y).Distinct().Count());
        Assert.Equal(10, manifest.Images[0].X);
        Assert.Equal(manifest.Images[0].X + manifest.Images[0].Width + 10, manifest.Images[1].X);
        Assert.Equal(manifest.Images[0].Y + Math.Max(manifest.Images[0].Height, manifest.Images[1].Height) + 10, manifest.Images[2].Y);
        foreach (var a in manifest.Images)
            foreach (var b in manifest.Images.Where(b => b != a))
                Assert.Equal(0, a.Region.Intersect(b.Region).Area);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path)); // planning writes nothing
    }

    [Fact]
    public void Bad_options_and_mismatched_masks_are_reported_with_the_file()
    {
        using var dir = new TempDir();
        var sources = GlasSlice(2);
        Assert.Throws<InvalidInputException>(() => Build(sources, dir.File("x.tif"), Options() with { GapPx = -1 }));
        Assert.Throws<InvalidInputException>(() => Build(sources, dir.File("x.tif"), Options(spacing: 0)));
        using var elsewhere = new TempDir();
        var smallMask = elsewhere.File("small.png");
        ImageFile.WritePng(new LabelMap(10, 10), smallMask);
        var e = Assert.Throws<InvalidInputException>(() => Build([sources[0], sources[1] with { MaskPath = smallMask }], dir.File("x.tif"), Options()));
        Assert.StartsWith(smallMask + ": mask is 10x10", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path)); // nothing half-written under any name
    }

    [Fact]
    public void Cancelling_leaves_nothing_behind()
    {
        using var dir = new TempDir();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => MontageBuilder.Build(GlasSlice(2), dir.File("x.tif"), Options(), cancellation: cts.Token));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    private sealed class SyncProgress(Action<WorkProgress> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value);
    }
}
