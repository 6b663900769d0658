using System.Diagnostics;
using FsCheck.Xunit;
using NetTopologySuite.Geometries;
using Uga.Annotations;
using Uga.Imaging;

namespace Uga.Annotations.Tests;

/// <summary>Rasterising annotations into label maps and vectorising label maps back into polygons.</summary>
public class RasterTests(ITestOutputHelper output)
{
    private static readonly GeometryFactory F = new();

    private static Polygon Box(double x0, double y0, double x1, double y1) =>
        F.CreatePolygon([new(x0, y0), new(x1, y0), new(x1, y1), new(x0, y1), new(x0, y0)]);

    private static AnnotationSet SetOf(params (Geometry G, string Class)[] shapes)
    {
        var set = new AnnotationSet();
        foreach (var (g, c) in shapes) set.Annotations.Add(new Annotation(c, c, g));
        return set;
    }

    private static readonly ClassLabels AB = new(new Dictionary<string, byte> { ["a"] = 1, ["b"] = 2 });

    [Fact]
    public void PixelCentresDecideCoverage()
    {
        // Pixel centres at 0.5, 1.5, 2.5: a box from 0.4 to 2.6 covers 3x3 pixels, one from 0.6 to 2.4 only 2x2.
        var big = new AnnotationRasterizer(SetOf((Box(0.4, 0.4, 2.6, 2.6), "a")), AB, 1).Rasterize(new PixelRegion(0, 0, 4, 4), 1);
        Assert.Equal(9, big.Data.Count(v => v == 1));
        var small = new AnnotationRasterizer(SetOf((Box(0.6, 0.6, 2.4, 2.4), "a")), AB, 1).Rasterize(new PixelRegion(0, 0, 4, 4), 1);
        Assert.Equal(1, small.Data.Count(v => v == 1)); // only the centre (1.5, 1.5) is inside
        Assert.Equal(1, small[1, 1]);
    }

    [Fact]
    public void HolesStayUnpaintedAndLaterAnnotationsWin()
    {
        var donut = F.CreatePolygon(F.CreateLinearRing([new(0, 0), new(10, 0), new(10, 10), new(0, 10), new(0, 0)]),
            [F.CreateLinearRing([new(3, 3), new(7, 3), new(7, 7), new(3, 7), new(3, 3)])]);
        var set = SetOf((donut, "a"), (Box(8, 8, 12, 12), "b"));
        var map = new AnnotationRasterizer(set, AB, 1).Rasterize(new PixelRegion(0, 0, 12, 12), 1, fill: LabelMap.Ignore);
        Assert.Equal(LabelMap.Ignore, map[5, 5]); // hole
        Assert.Equal(1, map[1, 1]);
        Assert.Equal(2, map[9, 9]); // b drawn later, over a
        Assert.Equal(LabelMap.Ignore, map[11, 1]);
        Assert.Equal(100 - 16 - 4, map.Data.Count(v => v == 1));

        // With a class priority, "a" is painted last whatever the drawing order.
        var prioritised = new AnnotationRasterizer(set, AB, 1, ["b", "a"]).Rasterize(new PixelRegion(0, 0, 12, 12), 1);
        Assert.Equal(1, prioritised[9, 9]);
    }

    [Fact]
    public void SpacingScalesTheGridAndRegionsOffsetIt()
    {
        // Slide at 0.25 µm/px; rasterising at 1 µm/px shrinks by 4: box 100..200 covers output pixels 25..49.
        var set = SetOf((Box(1100, 2100, 1200, 2200), "a"));
        var map = new AnnotationRasterizer(set, AB, 0.25).Rasterize(new PixelRegion(1000, 2000, 400, 400), 1.0);
        Assert.Equal((100, 100), (map.Width, map.Height));
        Assert.Equal(25 * 25, map.Data.Count(v => v == 1));
        Assert.Equal(1, map[25, 25]);
        Assert.Equal(1, map[49, 49]);
        Assert.Equal(0, map[50, 49]);
        Assert.Equal(0, map[24, 30]);
    }

    [Property(MaxTest = 60)]
    public void SubRegionEqualsCropOfTheWholeRaster(int seed)
    {
        var rng = new Random(seed);
        var set = new AnnotationSet();
        for (int i = 0; i < 12; i++)
        {
            var pts = Enumerable.Range(0, 3 + rng.Next(5)).Select(_ => new Coordinate(rng.NextDouble() * 200, rng.NextDouble() * 150)).ToList();
            pts.Add(pts[0]);
            var g = NetTopologySuite.Geometries.Utilities.GeometryFixer.Fix(F.CreatePolygon([.. pts]));
            if (!g.IsEmpty && g is Polygon or MultiPolygon) set.Annotations.Add(new Annotation($"p{i}", i % 2 == 0 ? "a" : "b", g));
        }
        var r = new AnnotationRasterizer(set, AB, 0.5);
        var whole = r.Rasterize(new PixelRegion(0, 0, 200, 150), 0.5);
        var sub = new PixelRegion(rng.Next(150), rng.Next(100), 1 + rng.Next(60), 1 + rng.Next(60));
        Assert.Equal(whole.Crop(sub).Data, r.Rasterize(sub, 0.5).Data);
    }

    [Property(MaxTest = 60)]
    public void VectoriseThenRasteriseGivesTheSameLabels(int seed)
    {
        var rng = new Random(seed);
        int w = 1 + rng.Next(40), h = 1 + rng.Next(40);
        var mask = new LabelMap(w, h);
        // Blobs plus salt noise: holes, islands in holes, diagonal touches and image borders all occur.
        for (int b = 0; b < 6; b++)
        {
            int cx = rng.Next(w), cy = rng.Next(h), rad = 1 + rng.Next(8);
            byte label = (byte)(1 + rng.Next(3));
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if (((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) <= rad * rad) mask[x, y] = label;
        }
        for (int i = 0; i < w * h / 8; i++) mask[rng.Next(w), rng.Next(h)] = (byte)rng.Next(4);
        AssertRoundTrip(mask, ClassLabels.Sequential(["c1", "c2", "c3"]));
    }

    [Fact]
    public void CheckerboardRoundTripsWithValidPolygons()
    {
        var mask = new LabelMap(9, 7);
        for (int y = 0; y < 7; y++)
            for (int x = 0; x < 9; x++)
                mask[x, y] = (byte)((x + y) % 2);
        var set = AssertRoundTrip(mask, ClassLabels.Sequential(["c1"]));
        Assert.Equal(31, set.Annotations.Count); // diagonal pixels are separate regions (4-connectivity)
    }

    [Theory]
    [InlineData("monuseg", "TCGA-21-5784-01Z-00-DX1.png")]
    [InlineData("glas", "testA_1.png")]
    [InlineData("glas", "train_1.png")]
    public void RealMasksRoundTripExactly(string dataset, string file)
    {
        var mask = ImageFile.ReadLabels(SharedData.Require(dataset, "masks", file));
        var sw = Stopwatch.StartNew();
        var set = AssertRoundTrip(mask, ClassLabels.Sequential(["c1", "c2"]));
        output.WriteLine($"{dataset}/{file}: {mask.Width}x{mask.Height}, {set.Annotations.Count} regions, {set.VertexCount} vertices, {sw.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void VectorisedMaskAtOffsetAndSpacingLandsAtLevel0()
    {
        var mask = ImageFile.ReadLabels(SharedData.Require("monuseg", "masks", "TCGA-21-5786-01Z-00-DX1.png"));
        var labels = ClassLabels.Sequential(["nucleus"]);
        // The mask covers level-0 (5000, 3000) at 0.5 µm/px on a 0.25 µm/px slide: 2 level-0 pixels per mask pixel.
        var sw = Stopwatch.StartNew();
        var set = LabelMapVectorizer.Vectorize(mask, labels, 5000, 3000, 0.25, 0.5);
        output.WriteLine($"vectorise {sw.ElapsedMilliseconds} ms");
        Assert.All(set.Annotations, a => Assert.InRange(a.Geometry.EnvelopeInternal.MinX, 5000, 5000 + 2000));
        var back = new AnnotationRasterizer(set, labels, 0.25).Rasterize(new PixelRegion(5000, 3000, 2 * mask.Width, 2 * mask.Height), 0.5);
        Assert.Equal(mask.Data.Select(v => v > 0 ? (byte)1 : (byte)0), back.Data);

        sw.Restart();
        var simplified = LabelMapVectorizer.Vectorize(mask, labels, 5000, 3000, 0.25, 0.5, simplifyPixels: 1.0);
        output.WriteLine($"vectorise + simplify {sw.ElapsedMilliseconds} ms");
        var approx = new AnnotationRasterizer(simplified, labels, 0.25).Rasterize(new PixelRegion(5000, 3000, 2 * mask.Width, 2 * mask.Height), 0.5);
        double dice = RealFileTests.Dice(approx, mask);
        output.WriteLine($"simplified 1 px: {set.VertexCount} -> {simplified.VertexCount} vertices, Dice {dice:F4}");
        Assert.True(simplified.VertexCount < set.VertexCount * 0.8);
        Assert.True(dice > 0.95, $"Dice {dice}");
    }

    [Fact]
    public void ThousandsOfPolygonsRasteriseQuickly()
    {
        var rng = new Random(7);
        var set = new AnnotationSet();
        for (int i = 0; i < 5000; i++)
        {
            double cx = rng.NextDouble() * 20000, cy = rng.NextDouble() * 20000;
            var ring = Curves.Ellipse(cx, cy, cx + 20, cy + 14, 40);
            set.Annotations.Add(new Annotation($"n{i}", "a", F.CreatePolygon([.. ring, ring[0]])));
        }
        var r = new AnnotationRasterizer(set, AB, 0.25);
        var sw = Stopwatch.StartNew();
        int painted = 0;
        for (int t = 0; t < 100; t++) // 100 patches of 512x512 at level 0
            painted += r.Rasterize(new PixelRegion(rng.Next(19000), rng.Next(19000), 512, 512), 0.25).Data.Count(v => v == 1);
        var patches = sw.ElapsedMilliseconds;
        sw.Restart();
        var overview = r.Rasterize(new PixelRegion(0, 0, 20000, 20000), 4.0); // whole slide at 1/16
        output.WriteLine($"5000 polygons: 100 patches in {patches} ms ({painted} px painted); 1250x1250 overview in {sw.ElapsedMilliseconds} ms");
        Assert.True(painted > 0);
        Assert.Contains((byte)1, overview.Data);
        Assert.True(patches < 5000, $"{patches} ms");
    }

    private static AnnotationSet AssertRoundTrip(LabelMap mask, ClassLabels labels)
    {
        var set = LabelMapVectorizer.Vectorize(mask, labels, 0, 0, 1, 1);
        Assert.All(set.Annotations, a => Assert.True(a.Geometry.IsValid, $"{a.Name}: {new NetTopologySuite.Operation.Valid.IsValidOp(a.Geometry).ValidationError}"));
        var back = new AnnotationRasterizer(set, labels, 1).Rasterize(new PixelRegion(0, 0, mask.Width, mask.Height), 1);
        Assert.Equal(mask.Data, back.Data);
        return set;
    }
}
