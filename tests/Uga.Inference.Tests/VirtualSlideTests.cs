using Uga.Imaging;
using Uga.Phantom;
using Uga.Slides.Tissue;

namespace Uga.Inference.Tests;

public class VirtualSlideTests
{
    // A small slide whose one island (radius 150 µm = 300 px at 0.5 µm/px) fills much of it.
    private static VirtualSlide Small() => new(new VirtualSlideSpec(1200, 1000) { IslandRadiusUm = 150, Seed = 5 });

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(3)]
    public void RegionReadsAgreeAcrossRegionBoundaries(int level)
    {
        using var slide = Small();
        // A window just around the island, cut off centre.
        double s = slide.Levels[level].Spacing;
        var island = slide.Islands[0];
        int cx = (int)(island.CentreXUm / s), cy = (int)(island.CentreYUm / s);
        int half = (int)(island.RadiusUm / s) + 3;
        var whole = new PixelRegion(cx - half, cy - half, (2 * half) + 1, (2 * half) + 3);

        var one = slide.ReadLevel(level, whole);
        var quarters = new RgbImage(whole.Width, whole.Height);
        int wx = (whole.Width / 2) - (whole.Width / 7), wy = (whole.Height / 2) + (whole.Height / 9);
        foreach (var q in new[]
        {
            new PixelRegion(whole.X, whole.Y, wx, wy),
            new PixelRegion(whole.X + wx, whole.Y, whole.Width - wx, wy),
            new PixelRegion(whole.X, whole.Y + wy, wx, whole.Height - wy),
            new PixelRegion(whole.X + wx, whole.Y + wy, whole.Width - wx, whole.Height - wy),
        })
            quarters.Paste(slide.ReadLevel(level, q), q.X - whole.X, q.Y - whole.Y);

        Assert.Equal(one.Data, quarters.Data);
        Assert.True(TissuePixels(one) > one.PixelCount / 10, "the window shows tissue, so the seams cross rendered tissue");
    }

    [Fact]
    public void LevelsAndIslandsFollowTheSpec()
    {
        using var slide = new VirtualSlide(new VirtualSlideSpec(40_000, 30_000) { IslandFraction = 0.03, IslandRadiusUm = 400 });

        Assert.Equal([(40_000L, 30_000L), (10_000L, 7_500L), (2_500L, 1_875L), (625L, 468L)],
            slide.Levels.Select(l => (l.Width, l.Height)).ToArray());
        Assert.Equal(32, slide.Levels[3].Spacing, 6);
        Assert.InRange(slide.IslandFraction, 0.025, 0.035);
        Assert.All(slide.Islands, i => Assert.InRange(i.CentreXUm, i.RadiusUm * 1.2, (40_000 * 0.5) - (i.RadiusUm * 1.2)));
    }

    // The whole-slide benchmark asks for a tissue share (issue 13: 25 %); what counts is what the tissue mask finds,
    // which is what the prediction then works on. Islands used to show the phantom's own glass: 0.25 gave 8.7 %.
    [Theory]
    [InlineData(0.10)]
    [InlineData(0.25)]
    [InlineData(0.33)]
    public void TheTissueMaskFindsTheTissueShareAskedFor(double fraction)
    {
        using var slide = new VirtualSlide(new VirtualSlideSpec(9000, 5400) { SpacingUm = 1, IslandFraction = fraction, IslandRadiusUm = 300 });

        var mask = TissueDetector.Detect(slide, cancel: TestContext.Current.CancellationToken);

        Assert.InRange(slide.IslandFraction, fraction * 0.9, fraction * 1.1);
        Assert.InRange(mask.Fraction, fraction * 0.9, fraction * 1.1);
    }

    [Fact]
    public void BadSpecsAreRejected()
    {
        Assert.Throws<InvalidInputException>(() => new VirtualSlide(new VirtualSlideSpec(8, 100)));
        Assert.Throws<InvalidInputException>(() => new VirtualSlide(new VirtualSlideSpec(100, 100) { Downsamples = [1, 4, 4] }));
        Assert.Throws<InvalidInputException>(() => new VirtualSlide(new VirtualSlideSpec(100, 100) { IslandFraction = 0.5 }));
    }

    private static int TissuePixels(RgbImage image)
    {
        int count = 0;
        for (int i = 0; i < image.Data.Length; i += 3)
            if (image.Data[i] != VirtualSlide.Glass[0] && image.Data[i] != 255) count++;
        return count;
    }
}
