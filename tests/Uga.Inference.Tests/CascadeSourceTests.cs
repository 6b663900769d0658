using Uga.Inference;

namespace Uga.Inference.Tests;

/// <summary>The cascade escalates exactly the tiles whose first-pass entropy is high, and fills the rest from the first member.</summary>
public sealed class CascadeSourceTests
{
    /// <summary>
    /// Two classes; each tile's probability of class 1 is its first byte / 255 at every pixel (so its normalised
    /// entropy is known), shifted by <paramref name="shift"/> so members differ. Records how many tiles it saw.
    /// </summary>
    private sealed class FakeMembers(int members, float shift) : IProbabilitySource
    {
        public int TilesSeen { get; private set; }
        public string Name => "fake";
        public int SampleCount => members;

        public float[] Sample(ReadOnlySpan<byte> tiles, int count, int patchSize)
        {
            int plane = patchSize * patchSize;
            var result = new float[count * members * 2 * plane];
            for (int n = 0; n < count; n++)
                for (int m = 0; m < members; m++)
                {
                    float p1 = Math.Clamp((tiles[n * plane * 3] / 255f) + (shift * (m + 1)), 0, 1);
                    int at = ((n * members) + m) * 2 * plane;
                    result.AsSpan(at, plane).Fill(1 - p1);
                    result.AsSpan(at + plane, plane).Fill(p1);
                }
            TilesSeen += count;
            return result;
        }
    }

    private static double NormalisedEntropy(double p) => -((p * Math.Log(p)) + ((1 - p) * Math.Log(1 - p))) / Math.Log(2);

    [Fact]
    public void OnlyUncertainTilesReachTheOtherMembers()
    {
        const int patch = 4, plane = patch * patch;
        byte[] firstBytes = [3, 128, 20, 250, 90];   // p1 ≈ 0.01, 0.50, 0.08, 0.98, 0.35
        var tiles = new byte[firstBytes.Length * plane * 3];
        for (int n = 0; n < firstBytes.Length; n++) tiles[n * plane * 3] = firstBytes[n];
        var first = new FakeMembers(1, 0);
        var rest = new FakeMembers(2, 0.05f);
        var cascade = new CascadeSource(first, rest, classes: 2, threshold: 0.5);

        var output = cascade.Sample(tiles, firstBytes.Length, patch);

        var expected = firstBytes.Select(b => NormalisedEntropy(b / 255.0) > 0.5).ToArray();
        Assert.Equal([false, true, false, false, true], expected);
        Assert.Equal(2, rest.TilesSeen);
        Assert.Equal((5L, 2L, 5L + (2 * 2)), (cascade.Tiles, cascade.Escalated, cascade.Forwards));
        for (int n = 0; n < firstBytes.Length; n++)
            for (int s = 0; s < 3; s++)
            {
                float p1 = output[(((n * 3) + s) * 2 * plane) + plane];
                float want = expected[n] && s > 0 ? Math.Clamp((firstBytes[n] / 255f) + (0.05f * s), 0, 1) : firstBytes[n] / 255f;
                Assert.Equal(want, p1, 6);
            }
    }

    [Fact]
    public void ThresholdZeroIsTheFullEnsembleAndOneIsTheFirstMemberAlone()
    {
        var tiles = new byte[3 * 16 * 3];
        tiles[0] = 100;
        tiles[48] = 200;
        tiles[96] = 30;
        var all = new CascadeSource(new FakeMembers(1, 0), new FakeMembers(2, 0.1f), 2, 0);
        all.Sample(tiles, 3, 4);
        Assert.Equal(3, all.Escalated);
        var none = new CascadeSource(new FakeMembers(1, 0), new FakeMembers(2, 0.1f), 2, 1);
        none.Sample(tiles, 3, 4);
        Assert.Equal((0L, 3L), (none.Escalated, none.Forwards));
    }

    [Fact]
    public void ACascadeIsNotThePlainEnsembleInArtifactKeys()
    {
        Assert.Equal("ensemble", new PredictOptions().SourceName);
        Assert.Equal("ensemble-cascade-0.1", new PredictOptions { CascadeThreshold = 0.1 }.SourceName);
        Assert.Throws<Uga.Imaging.InvalidInputException>(() => new PredictOptions { CascadeThreshold = 1.5 }.Validate());
        Assert.Throws<Uga.Imaging.InvalidInputException>(() => new PredictOptions { CascadeThreshold = 0.1, Samples = SampleSourceKind.Tta }.Validate());
    }

    [Fact]
    public void ThroughTheTiledPredictorThresholdZeroGivesTheFullEnsemblesMaps()
    {
        using var model = TinyModels.Create(TinyModels.Classes(3), 1.0, patchSize: 32, members: 3);
        var image = new Uga.Imaging.RgbImage(70, 50);
        new Random(2).NextBytes(image.Data);
        var plain = TiledPredictor.Predict(model, image, 1.0);
        var cascade = TiledPredictor.Predict(model, image, 1.0, new PredictOptions { CascadeThreshold = 0 });
        Assert.Equal(plain.Forwards, cascade.Forwards);
        Assert.Equal(("ensemble", "ensemble-cascade-0"), (plain.SampleSource, cascade.SampleSource));
        Assert.True(plain.Uncertainty.Data.Zip(cascade.Uncertainty.Data, (a, b) => Math.Abs(a - b)).Max() < 1e-6);
        var cheap = TiledPredictor.Predict(model, image, 1.0, new PredictOptions { CascadeThreshold = 1 });
        Assert.Equal(plain.Forwards / 3, cheap.Forwards);
    }
}
