using FsCheck.Xunit;
using Uga.Imaging;
using Uga.Ranking;
using static Uga.Ranking.Tests.TestPools;

namespace Uga.Ranking.Tests;

/// <summary>The grid and spacing arithmetic that decides where a pathologist is sent, over random geometry.</summary>
public class GeometryPropertyTests
{
    [Property(MaxTest = 300)]
    public void CandidateRegionsAlwaysLieInsideTheSlide(int seed)
    {
        var rng = new Random(seed);
        int w = 1 + rng.Next(120), h = 1 + rng.Next(120), patch = 1 + rng.Next(40);
        var grid = new GridOptions
        {
            PatchSizePx = patch,
            SpacingUm = 1,
            StridePx = rng.Next(2) == 0 ? null : 1 + rng.Next(patch),
            CoverEdges = rng.Next(2) == 0,
            MinTissueFraction = 0,
        };
        var pool = CandidateGrid.Build([Slide("s", Filled(w, h, 0.5f))], grid);
        foreach (var c in pool)
        {
            Assert.True(c.Region.X >= 0 && c.Region.Y >= 0 && c.Region.Right <= w && c.Region.Bottom <= h,
                $"{c.Region} leaves the {w}x{h} slide ({grid})");
            Assert.Equal((patch, patch), (c.Region.Width, c.Region.Height));
        }
        // Patches fit whenever the slide holds one; with edges covered, every pixel is in some patch.
        Assert.Equal(w >= patch && h >= patch, pool.Count > 0);
        if (grid.CoverEdges && pool.Count > 0)
            Assert.Equal((w, h), (pool.Max(c => c.Region.Right), pool.Max(c => c.Region.Bottom)));
    }

    [Property(MaxTest = 500)]
    public void SpacingConversionIsInvertibleUpToOutwardRounding(int seed)
    {
        var rng = new Random(seed);
        double[] spacings = [0.2428, 0.25, 0.5, 1, 2, 3.7, 8];
        double from = spacings[rng.Next(spacings.Length)], to = spacings[rng.Next(spacings.Length)];
        var region = new PixelRegion(rng.Next(5000), rng.Next(5000), 1 + rng.Next(2000), 1 + rng.Next(2000));
        var there = SpacingMath.Convert(region, from, to);
        var back = SpacingMath.Convert(there, to, from);
        // Rounded outwards both ways: the round trip covers the original and grows by at most one target pixel per side.
        Assert.True(back.X <= region.X && back.Y <= region.Y && back.Right >= region.Right && back.Bottom >= region.Bottom,
            $"{region} at {from} -> {there} at {to} -> {back} lost part of the region");
        double grow = Math.Ceiling(to / from) + 1;
        Assert.True(region.X - back.X <= grow && back.Right - region.Right <= grow, $"{region} -> {back} grew more than {grow} px");
        // Same area in µm, up to one pixel of rounding per side.
        Assert.InRange(there.Width * to, (region.Width * from) - 1e-6, (region.Width * from) + (2 * to) + 1e-6);
    }
}
