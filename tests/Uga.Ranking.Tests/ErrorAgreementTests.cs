using System.Globalization;
using Uga.Imaging;
using Uga.Ranking;
using static Uga.Ranking.Tests.TestPools;

namespace Uga.Ranking.Tests;

public class ErrorAgreementTests
{
    [Fact]
    public void AverageRanksShareTies()
    {
        Assert.Equal([1, 2.5, 2.5, 4], RankStatistics.AverageRanks([10, 20, 20, 30]));
        Assert.Equal([3, 1.5, 1.5], RankStatistics.AverageRanks([5, -1, -1]));
    }

    [Fact]
    public void SpearmanOnKnownDataWithTies()
    {
        // y ranks with the tie: [1, 2, 3.5, 5, 3.5]; ρ = 8 / sqrt(10 · 9.5).
        Assert.Equal(8 / Math.Sqrt(95), RankStatistics.Spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), 12);
        Assert.Equal(1.0, RankStatistics.Spearman([1, 2, 3, 4], [1, 10, 100, 1000]), 12);
        Assert.Equal(-1.0, RankStatistics.Spearman([1, 2, 3, 4], [9, 7, 5, 3]), 12);
        Assert.True(double.IsNaN(RankStatistics.Spearman([1, 2, 3], [4, 4, 4])));
        Assert.True(double.IsNaN(RankStatistics.Spearman([1], [2])));
    }

    [Fact]
    public void ErrorMaskMarksDisagreementAndKeepsIgnore()
    {
        var prediction = new LabelMap(3, 1, [0, 1, 1]);
        var reference = new LabelMap(3, 1, [0, 0, LabelMap.Ignore]);
        Assert.Equal(new byte[] { 0, 1, LabelMap.Ignore }, ErrorAgreement.ErrorMask(prediction, reference).Data);
        Assert.Throws<InvalidInputException>(() => ErrorAgreement.ErrorMask(prediction, new LabelMap(2, 1)));
    }

    // Four patches on one 40×10 slide with 0, 10, 50, 30 error pixels; uncertainty-sum orders them 0 < 1 < 2 < 3.
    private static (IReadOnlyList<Candidate> Pool, Dictionary<string, SpacedMask> Errors) FourPatches()
    {
        var ce = new FloatMap(40, 10);
        for (int i = 0; i < 4; i++) ce.Set(new PixelRegion(i * 10, 0, 10, 10), 0.1f * (i + 1));
        var errors = new LabelMap(40, 10);
        int[] counts = [0, 10, 50, 30];
        for (int p = 0; p < 4; p++)
            for (int j = 0; j < counts[p]; j++) errors[(p * 10) + (j % 10), j / 10] = 1;
        errors[0, 9] = LabelMap.Ignore;
        return (Grid(10, Slide("s", ce)), new Dictionary<string, SpacedMask> { ["s"] = new(errors, 1.0) });
    }

    [Fact]
    public void CountsErrorsPerPatchIgnoringIgnore()
    {
        var (pool, errors) = FourPatches();
        var counted = ErrorAgreement.CountErrors(pool, errors);
        Assert.Equal([0L, 10, 50, 30], counted.Select(e => e.ErrorPixels));
        Assert.Equal(99, counted[0].Pixels);
        Assert.Equal(0.5, counted[2].Fraction, 12);
        Assert.Throws<InvalidInputException>(() => ErrorAgreement.CountErrors(pool, new Dictionary<string, SpacedMask>()));
    }

    [Fact]
    public void ReportsFoundWorstPatchesMeanErrorAndRankCorrelation()
    {
        var (pool, errors) = FourPatches();
        var counted = ErrorAgreement.CountErrors(pool, errors);
        var selection = Pick(pool, "uncertainty-sum", 2); // patches 3 and 2: errors 30 and 50
        var report = ErrorAgreement.Evaluate(selection.Scored, counted, selection.Chosen, topN: 2);
        Assert.Equal(1.0, report.TopNFound);
        Assert.Equal(0.4, report.MeanErrorFractionChosen, 12);
        Assert.Equal(((10 / 100.0) + 0.5 + 0.3) / 4, report.MeanErrorFractionPool, 12);
        Assert.Equal(0.8, report.Spearman, 12); // ranks [1,2,3,4] vs [1,2,4,3]
        Assert.Equal(2, report.ChosenCount);

        var worst = ErrorAgreement.Evaluate(selection.Scored, counted, [pool[0], pool[1]], topN: 2);
        Assert.Equal(0.0, worst.TopNFound);
        var withTie = ErrorAgreement.Evaluate(selection.Scored, counted, [pool[1]], topN: 3);
        Assert.Equal(1 / 3.0, withTie.TopNFound, 12);
        Assert.True(double.IsNaN(ErrorAgreement.Evaluate(selection.Scored, new PatchErrors[4], [pool[1]], 2).TopNFound));
    }

    [Fact]
    public void CsvIsCultureInvariantAndAtomic()
    {
        var (pool, _) = FourPatches();
        var selection = CandidateSelector.Select(pool, RankingStrategies.Create("uga-paper"), new SelectionOptions { K = 2 });
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            using var dir = new TempDir();
            var path = dir.File("candidates.csv");
            CandidateCsv.Write(path, selection.Chosen);
            var lines = File.ReadAllLines(path);
            Assert.Equal(3, lines.Length);
            Assert.StartsWith("rank,slide,x,y,width,height,spacing_um,score,tissue_fraction,jitter_x,jitter_y,ensemble-ce_sum,", lines[0]);
            var first = lines[1].Split(',');
            Assert.Equal(["1", "s", "30", "0", "10", "10", "1"], first[..7]);
            Assert.Equal(10040.0, double.Parse(first[7], CultureInfo.InvariantCulture), 3);
            Assert.Equal(0.4, double.Parse(first[12], CultureInfo.InvariantCulture), 6); // mean
            Assert.Single(Directory.GetFiles(dir.Path));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
        Assert.Contains("\"a,b\"", CandidateCsv.Format([pool[0] with { SlideId = "a,b" }]));
    }
}
