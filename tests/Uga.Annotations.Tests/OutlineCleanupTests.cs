using Uga.Imaging;

namespace Uga.Annotations.Tests;

public class OutlineCleanupTests
{
    // A map at 1 µm/px on a slide at 0.5 µm/px: one map pixel is 1 µm², 4 level-0 px².
    private static (List<Annotation> Traced, LabelMap Map) Traced()
    {
        var map = new LabelMap(80, 80);
        for (int y = 0; y < 80; y++)
            for (int x = 0; x < 80; x++)
                if (Math.Pow(x - 40, 2) + Math.Pow(y - 40, 2) < 900) map[x, y] = 2;        // a disc of r 30 µm
        for (int y = 30; y < 40; y++) for (int x = 30; x < 40; x++) map[x, y] = 0;       // a 100 µm² lumen
        map[50, 50] = map[51, 50] = map[50, 51] = map[51, 51] = 0;                        // a 4 µm² pinhole
        foreach (var (x, y) in new[] { (2, 2), (76, 3), (3, 75), (77, 77) }) map[x, y] = 2; // 1 µm² speckle
        map[5, 40] = 1;
        var classes = new ClassLabels(new Dictionary<string, byte>(StringComparer.OrdinalIgnoreCase) { ["background"] = 0, ["benign"] = 1, ["tumour"] = 2 });
        return (LabelMapVectorizer.Vectorize(map, classes, 0, 0, 0.5, 1.0).Annotations, map);
    }

    [Fact]
    public void Speckle_goes_small_holes_fill_real_holes_stay_and_outlines_lose_their_staircase()
    {
        var (traced, _) = Traced();
        var (kept, counts) = OutlineCleanup.Clean(traced, 0.5, 1.0, new OutlineCleanupOptions());

        var disc = Assert.Single(kept);
        Assert.Equal("tumour", disc.ClassName);
        var polygon = Assert.IsType<NetTopologySuite.Geometries.Polygon>(disc.Geometry);
        Assert.Single(polygon.Holes);                                   // the lumen stays, the pinhole is filled
        Assert.Equal((6, 1, 5, 1), (counts.PolygonsBefore, counts.PolygonsAfter, counts.FragmentsDropped, counts.HolesFilled));
        Assert.True(counts.VerticesAfter * 3 < counts.VerticesBefore, $"{counts.VerticesBefore} -> {counts.VerticesAfter} vertices");
        double areaUm2 = polygon.Area * 0.25;                            // level-0 px² at 0.5 µm/px
        double expected = (Math.PI * 900) - 100;
        Assert.True(Math.Abs(areaUm2 - expected) / expected < 0.03, $"area {areaUm2:F0} µm², the disc minus its lumen is {expected:F0}");
        Assert.True(polygon.IsValid);
    }

    [Fact]
    public void Per_class_minimum_areas_and_zero_keep_what_was_traced()
    {
        var (traced, _) = Traced();
        var none = OutlineCleanup.Clean(traced, 0.5, 1.0, new OutlineCleanupOptions { MinAreaUm2 = 0, ToleranceUm = 0 });
        Assert.Equal(traced.Sum(a => a.Geometry.Area), none.Kept.Sum(a => a.Geometry.Area), 6);
        Assert.Equal(none.Counts.VerticesBefore, none.Counts.VerticesAfter);

        // A benign minimum of 0 keeps the one-pixel benign region; tumour speckle still goes.
        var options = new OutlineCleanupOptions { MinAreaUm2ByClass = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase) { ["Benign"] = 0 } };
        var (kept, counts) = OutlineCleanup.Clean(traced, 0.5, 1.0, options);
        Assert.Equal(["benign", "tumour"], kept.Select(a => a.ClassName!).Order());
        Assert.Equal(4, counts.FragmentsDropped);
    }
}
