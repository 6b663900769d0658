using Uga.Imaging;
using Uga.Ranking;

namespace Uga.Ranking.Tests;

/// <summary>
/// Real GlaS images: a crude colour-threshold "baseline" against the real gland masks gives a real error map.
/// With that error map itself as the uncertainty measure (an oracle), every strategy that reads the measure must
/// find the errors perfectly — which checks grid, spacing conversion, per-patch features and error counting agree.
/// </summary>
public class RealDataTests
{
    [Fact]
    public void OracleUncertaintyFindsTheBaselineErrorsOnGlas()
    {
        var images = SharedData.Require("glas", "images");
        var masks = SharedData.Require("glas", "masks");
        var slides = new List<RankingSlide>();
        var errorMasks = new Dictionary<string, SpacedMask>();
        foreach (var path in Directory.GetFiles(images, "*.jpg").Order(StringComparer.Ordinal).Take(3))
        {
            var stem = Path.GetFileNameWithoutExtension(path);
            var rgb = ImageFile.ReadRgb(path);
            var reference = ImageFile.ReadLabels(Path.Combine(masks, stem + ".png"));
            var errors = ErrorAgreement.ErrorMask(ThresholdBaseline(rgb), Binary(reference));
            var oracle = new FloatMap(errors.Width, errors.Height);
            for (int i = 0; i < oracle.Data.Length; i++) oracle.Data[i] = errors.Data[i] == 1 ? 1f : 0f;
            slides.Add(new RankingSlide(stem, rgb.Width, rgb.Height, 0.5)
            {
                Measures = new Dictionary<string, SpacedMap> { ["oracle"] = new(oracle, 0.5) },
                Colour = new SpacedImage(rgb, 0.5),
            });
            errorMasks[stem] = new SpacedMask(errors, 0.5);
        }

        // Grid at 1 µm/px (half the image resolution): 64 px patches cover 128 image pixels.
        var pool = CandidateGrid.Build(slides, new GridOptions { PatchSizePx = 64, StridePx = 32, SpacingUm = 1.0, MinTissueFraction = 0 });
        Assert.True(pool.Count > 50, $"only {pool.Count} candidates");
        var counted = ErrorAgreement.CountErrors(pool, errorMasks);
        Assert.All(pool.Zip(counted), t => Assert.Equal(t.Second.ErrorPixels, (long)Math.Round(t.First.Measure("oracle").Sum)));

        var selection = CandidateSelector.Select(pool,
            RankingStrategies.Create("uncertainty-sum", new StrategyOptions { Measure = "oracle" }), new SelectionOptions { K = 5 });
        var report = ErrorAgreement.Evaluate(selection, counted, topN: 5);
        Assert.Equal(1.0, report.Spearman, 9);
        Assert.Equal(1.0, report.TopNFound);
        Assert.True(report.MeanErrorFractionChosen > report.MeanErrorFractionPool);

        var random = CandidateSelector.Select(pool, RankingStrategies.Create("random"), new SelectionOptions { K = 5 });
        Assert.InRange(ErrorAgreement.Evaluate(random.Scored, counted, random.Chosen, 5).Spearman, -0.5, 0.5);
    }

    // Glands are paler/whiter lumen surrounded by dark epithelium; a brightness threshold is a poor but real baseline.
    private static LabelMap ThresholdBaseline(RgbImage rgb)
    {
        var result = new LabelMap(rgb.Width, rgb.Height);
        for (int i = 0; i < result.Data.Length; i++)
        {
            int o = i * 3;
            result.Data[i] = rgb.Data[o] + rgb.Data[o + 1] + rgb.Data[o + 2] < 450 ? (byte)1 : (byte)0;
        }
        return result;
    }

    private static LabelMap Binary(LabelMap reference)
    {
        var result = new LabelMap(reference.Width, reference.Height);
        for (int i = 0; i < result.Data.Length; i++) result.Data[i] = reference.Data[i] is 1 or 2 ? (byte)1 : (byte)0;
        return result;
    }
}
