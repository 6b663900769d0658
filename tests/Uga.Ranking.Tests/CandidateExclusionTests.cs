using Uga.Imaging;
using Uga.Ranking;
using static Uga.Ranking.Tests.TestPools;

namespace Uga.Ranking.Tests;

public class CandidateExclusionTests
{
    // 4×4 grid of 10-px patches at 1 µm/px on slide "a", and the same on slide "b".
    private static IReadOnlyList<Candidate> Pool(FloatMap? ce = null) =>
        Grid(10, Slide("a", ce ?? Filled(40, 40, 0.5f)), Slide("b", Filled(40, 40, 0.5f)));

    [Fact]
    public void RegionsAtAnotherSpacingAreConvertedAndOnlyTheirOwnSlideLosesCandidates()
    {
        var pool = Pool();
        // Level-0 pixels at 0.25 µm/px: (40, 40, 40, 40) is exactly the grid cell (10, 10) at 1 µm/px.
        var kept = CandidateExclusion.Apply(pool, [new ExcludedRegion("a", new PixelRegion(40, 40, 40, 40), 0.25)], 0.1, out int excluded);

        Assert.Equal(1, excluded);
        Assert.Equal(pool.Count - 1, kept.Count);
        Assert.DoesNotContain(kept, c => c.SlideId == "a" && c.Region == new PixelRegion(10, 10, 10, 10));
        Assert.Contains(kept, c => c.SlideId == "b" && c.Region == new PixelRegion(10, 10, 10, 10));
        // Its neighbours only share an edge: nothing of their area.
        Assert.Contains(kept, c => c.SlideId == "a" && c.Region == new PixelRegion(20, 10, 10, 10));
    }

    [Theory]
    [InlineData(11, false)] // 1 px of the neighbour's 10: exactly 10%, not more -> kept
    [InlineData(12, true)] // 20% of the neighbour -> excluded
    public void PartialOverlapIsExcludedOnlyAboveTheFraction(int width, bool neighbourExcluded)
    {
        var pool = Pool();
        var kept = CandidateExclusion.Apply(pool, [new ExcludedRegion("a", new PixelRegion(0, 0, width, 10), 1.0)], 0.1, out int excluded);

        Assert.DoesNotContain(kept, c => c.SlideId == "a" && c.Region.X == 0 && c.Region.Y == 0);
        Assert.Equal(neighbourExcluded, !kept.Any(c => c.SlideId == "a" && c.Region.X == 10 && c.Region.Y == 0));
        Assert.Equal(neighbourExcluded ? 2 : 1, excluded);
    }

    [Fact]
    public void OverlapIsTheUnionOfTheRegionsCountedOnce()
    {
        var cell = Pool().At("a", 20, 20);
        // Strips of 20×1 px at 0.5 µm/px = 10×0.5 µm = 5% of the 10×10 µm patch each.
        ExcludedRegion Strip(int y) => new("a", new PixelRegion(40, y, 20, 1), 0.5);

        Assert.Equal(0.05, CandidateExclusion.OverlapFraction(cell, [Strip(40)]), 9);
        Assert.Equal(0.05, CandidateExclusion.OverlapFraction(cell, [Strip(40), Strip(40)]), 9); // same strip twice
        Assert.Equal(0.15, CandidateExclusion.OverlapFraction(cell, [Strip(40), Strip(42), Strip(44)]), 9);
        Assert.Equal(0.0, CandidateExclusion.OverlapFraction(cell, [new ExcludedRegion("b", new PixelRegion(40, 40, 20, 20), 0.5)]));

        CandidateExclusion.Apply([cell], [Strip(40), Strip(40), Strip(42)], 0.1, out int twoStrips);
        CandidateExclusion.Apply([cell], [Strip(40), Strip(42), Strip(44)], 0.1, out int threeStrips);
        Assert.Equal(0, twoStrips);
        Assert.Equal(1, threeStrips);
    }

    [Fact]
    public void TheMostUncertainPatchIsNeverChosenOnceExcluded()
    {
        // Patch (10, 10) and then (30, 30) of slide "a" are the most uncertain; a previous round queued the first.
        var ce = Filled(40, 40, 0.1f).Set(new PixelRegion(10, 10, 10, 10), 0.9f).Set(new PixelRegion(30, 30, 10, 10), 0.8f);
        var pool = Pool(ce);
        Assert.Equal(new PixelRegion(10, 10, 10, 10), Winner(pool, "uncertainty-sum").Region);

        var excludedRegion = new ExcludedRegion("a", new PixelRegion(20, 20, 20, 20), 0.5);
        var kept = CandidateExclusion.Apply(pool, [excludedRegion], CandidateExclusion.DefaultMinOverlap, out _);
        var chosen = Pick(kept, "uncertainty-sum", 5).Chosen;

        Assert.Equal(new PixelRegion(30, 30, 10, 10), chosen[0].Region);
        Assert.All(chosen, c => Assert.Equal(0.0, CandidateExclusion.OverlapFraction(c, [excludedRegion])));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void BadFractionOrSpacingIsInvalidInput(double fraction)
    {
        Assert.Throws<InvalidInputException>(() => CandidateExclusion.Apply(Pool(), [], fraction, out _));
        Assert.Throws<InvalidInputException>(() => CandidateExclusion.Apply(Pool(), [new ExcludedRegion("a", new PixelRegion(0, 0, 1, 1), 0)], 0.1, out _));
    }
}
