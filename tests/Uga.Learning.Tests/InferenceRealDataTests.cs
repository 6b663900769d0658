using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Uncertainty;
using Uga.Learning.Inference;

namespace Uga.Learning.Tests;

/// <summary>Tiled prediction on a real MoNuSeg crop (small, default suite) with a tiny untrained ensemble.</summary>
public class InferenceRealDataTests
{
    [Fact]
    public void MonusegCropGivesConsistentMeasuresOnTheImageGrid()
    {
        var image = ImageFile.ReadRgb(SharedData.Require("monuseg", "images", "TCGA-21-5784-01Z-00-DX1.jpg"))
            .Crop(new PixelRegion(400, 500, 150, 110));
        using var ensemble = TinyModels.Create(["background", "nucleus"], 0.5, patchSize: 32, members: 3, seed: 60);

        // MoNuSeg is 0.25 µm/px; the model runs at 0.5 µm/px and the maps come back at 150×110.
        var result = TiledPredictor.Predict(ensemble, image, 0.25, new PredictOptions { KeepSamples = true });
        var samples = result.Samples!;
        Assert.Equal((150, 110, 3, 2), (samples.Width, samples.Height, samples.Samples, samples.Classes));
        var entropy = UncertaintyMeasures.Map(UncertaintyMeasures.Get("entropy"), samples);
        var mi = UncertaintyMeasures.Map(UncertaintyMeasures.Get("mutual-information"), samples);
        for (int i = 0; i < entropy.Data.Length; i++)
        {
            // ensemble-ce = H(p̄) + mean KL ≥ H(p̄) ≥ MI ≥ 0, and H(p̄) ≤ ln 2 for two classes.
            Assert.True(result.Uncertainty.Data[i] >= entropy.Data[i] - 1e-5f);
            Assert.True(entropy.Data[i] >= mi.Data[i] - 1e-5f && mi.Data[i] >= 0);
            Assert.True(entropy.Data[i] <= Math.Log(2) + 1e-5);
        }
        Assert.True(mi.Max() > 0, "three differently initialised members disagree somewhere");
    }
}
